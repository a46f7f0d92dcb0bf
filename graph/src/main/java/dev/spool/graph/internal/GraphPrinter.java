package dev.spool.graph.internal;

import dev.spool.graph.Graph;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders a graph as indented text, one node a line, scan bodies nested under their scan:
 * <pre>
 * %3 = matmul[transB] %0, %1 : F32(B, 32)
 * </pre>
 */
public final class GraphPrinter {
    private GraphPrinter() {
    }

    public static String print(Graph g) {
        StringBuilder sb = new StringBuilder();
        print(g, "", sb);
        return sb.toString();
    }

    private static void print(Graph g, String indent, StringBuilder sb) {
        for (Node n : g.nodes()) {
            sb.append(indent).append(lhs(n)).append(" = ").append(n.op().name());
            String attrs = n.op().attributes();
            if (!attrs.isEmpty()) {
                sb.append('[').append(attrs).append(']');
            }
            if (!n.inputs().isEmpty()) {
                sb.append(' ').append(n.inputs().stream().map(Value::toString).collect(Collectors.joining(", ")));
            }
            sb.append(" : ").append(n.outputs().stream().map(TensorType::toString).collect(Collectors.joining(", ")));
            sb.append('\n');
            for (Graph body : n.op().subgraphs()) {
                sb.append(indent).append("  body {\n");
                print(body, indent + "    ", sb);
                sb.append(indent).append("  }\n");
            }
        }
        List<String> rs = new java.util.ArrayList<>();
        for (int i = 0; i < g.results().size(); i++) {
            rs.add(g.resultNames().get(i) + "=" + g.results().get(i));
        }
        sb.append(indent).append("return ").append(String.join(", ", rs)).append('\n');
    }

    private static String lhs(Node n) {
        if (n.outputs().size() == 1) {
            return "%" + n.id();
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < n.outputs().size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(n.output(i));
        }
        return sb.append(')').toString();
    }
}
