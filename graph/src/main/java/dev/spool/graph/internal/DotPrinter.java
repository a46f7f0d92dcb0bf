package dev.spool.graph.internal;

import dev.spool.graph.Graph;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
/**
 * Renders a graph as Graphviz DOT: one box per node labelled with its op and output types, edges
 * from producers to consumers, and each nested body (a scan's, a fused group's) as a cluster next to its node.
 *
 * <pre>{@code Files.writeString(Path.of("g.dot"), DotPrinter.print(graph));  // dot -Tpng g.dot}</pre>
 */
public final class DotPrinter {
    private DotPrinter() {
    }

    public static String print(Graph g) {
        StringBuilder sb = new StringBuilder("digraph spool {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
        body(g, "", sb, "  ");
        return sb.append("}\n").toString();
    }

    private static void body(Graph g, String prefix, StringBuilder sb, String indent) {
        for (Node n : g.nodes()) {
            String id = prefix + n.id();
            String types = String.join(", ", n.outputs().stream().map(TensorType::toString).toList());
            String attrs = n.op().attributes().isEmpty() ? "" : "[" + n.op().attributes() + "]";
            sb.append(indent).append('"').append(id).append("\" [label=\"").append(escape(n.label() + attrs + "\\n" + types))
                    .append("\"").append(n.op() instanceof Source ? ", shape=ellipse" : "").append("];\n");
            for (Value in : n.inputs()) {
                sb.append(indent).append('"').append(prefix).append(in.node()).append("\" -> \"").append(id).append("\";\n");
            }
            for (Graph sub : n.op().subgraphs()) {
                String inner = id + "/";
                sb.append(indent).append("subgraph \"cluster_").append(id).append("\" {\n")
                        .append(indent).append("  label=\"").append(escape(n.label() + " body")).append("\";\n");
                body(sub, inner, sb, indent + "  ");
                sb.append(indent).append("}\n");
                sb.append(indent).append('"').append(id).append("\" -> \"").append(inner).append(sub.nodes().get(0).id())
                        .append("\" [style=dashed, arrowhead=none];\n");
            }
        }
    }

    private static String escape(String s) {
        return s.replace("\"", "\\\"");
    }
}
