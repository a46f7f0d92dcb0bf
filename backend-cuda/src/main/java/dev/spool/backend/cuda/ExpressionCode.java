package dev.spool.backend.cuda;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Source;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Unary;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CUDA C statements for one element of a fused elementwise group: the same expression graph the CPU
 * generator ({@code KernelSource}) turns into Java, with the same ops (unary, binary, compare, where,
 * cast) and the same float semantics where they differ from C: {@code max}/{@code min} propagate
 * NaN as Java's {@code Math.max} does, integer-to-float casts go through double.
 */
final class ExpressionCode {
    private ExpressionCode() {
    }

    /**
     * Statements computing every node of {@code expr} from the parameters named {@code params}; the
     * returned names hold its results, in order.
     */
    static List<String> emit(Graph expr, List<String> params, StringBuilder sb, String indent) {
        Map<Value, String> names = new HashMap<>();
        for (int k = 0; k < params.size(); k++) {
            names.put(expr.params().get(k), params.get(k));
        }
        for (Node n : expr.nodes()) {
            if (n.op() instanceof Source) {
                continue;
            }
            Value v = n.output(0);
            String name = "e" + n.id();
            String rhs;
            if (n.op() instanceof Constant c) {
                rhs = CudaTypes.literal(c.value().dtype().isInteger() ? c.value().getLong(0) : c.value().getDouble(0), v.dtype());
            } else if (n.op() instanceof Fill f) {
                rhs = CudaTypes.literal(f.value(), v.dtype());
            } else {
                rhs = op((Primitive) n.op(), n, n.inputs().stream().map(names::get).toList());
            }
            sb.append(indent).append("const ").append(CudaTypes.value(v.dtype())).append(' ').append(name).append(" = ").append(rhs).append(";\n");
            names.put(v, name);
        }
        return expr.results().stream().map(names::get).toList();
    }

    private static String op(Primitive p, Node node, List<String> a) {
        String x = a.get(0);
        DType in = node.inputs().get(0).dtype();
        DType out = node.outputs().get(0).dtype();
        return switch (p.code()) {
            case UNARY -> unary((Unary) p, x, out);
            case BINARY -> binary((Binary) p, x, a.get(1), out);
            case COMPARE -> "(" + x + " " + ((Compare) p).fn().symbol() + " " + a.get(1) + ")";
            case WHERE -> "(" + x + " ? " + a.get(1) + " : " + a.get(2) + ")";
            case CAST -> cast(x, in, ((Cast) p).to());
            default -> throw new IllegalStateException("not elementwise: " + p.name());
        };
    }

    private static String unary(Unary u, String x, DType t) {
        String ct = CudaTypes.value(t);
        if (!t.isFloat()) {
            return "(" + ct + ") (" + switch (u.fn()) {
                case NEG -> "-" + x;
                case RELU -> "sp_max(" + x + ", (" + ct + ") 0)";
                case ABS -> "(" + x + " < 0 ? -" + x + " : " + x + ")";
                case SQUARE -> x + " * " + x;
                default -> throw new IllegalStateException(u.fn() + " on " + t);
            } + ")";
        }
        boolean f = t == DType.F32;
        return switch (u.fn()) {
            case NEG -> "(-" + x + ")";
            case EXP -> (f ? "expf(" : "exp(") + x + ")";
            case LOG -> (f ? "logf(" : "log(") + x + ")";
            case TANH -> (f ? "tanhf(" : "tanh(") + x + ")";
            case SIGMOID -> "sp_sigmoid(" + x + ")";
            case RELU -> "(" + x + " > 0 ? " + x + " : (" + ct + ") 0)";
            case SQRT -> (f ? "sqrtf(" : "sqrt(") + x + ")";
            case ABS -> (f ? "fabsf(" : "fabs(") + x + ")";
            case SQUARE -> "(" + x + " * " + x + ")";
            case RECIPROCAL -> "((" + ct + ") 1 / " + x + ")";
        };
    }

    private static String binary(Binary b, String x, String y, DType t) {
        String ct = CudaTypes.value(t);
        return "(" + ct + ") (" + switch (b.fn()) {
            case ADD -> x + " + " + y;
            case SUB -> x + " - " + y;
            case MUL -> x + " * " + y;
            case DIV -> x + " / " + y;
            case MAX -> "sp_max(" + x + ", " + y + ")";
            case MIN -> "sp_min(" + x + ", " + y + ")";
            case POW -> t == DType.F32 ? "powf(" + x + ", " + y + ")" : "pow((double) " + x + ", (double) " + y + ")";
        } + ")";
    }

    private static String cast(String x, DType from, DType to) {
        if (from == to) {
            return x;
        }
        if (from == DType.BOOL) {
            return "(" + x + " ? " + CudaTypes.literal(1, to) + " : " + CudaTypes.literal(0, to) + ")";
        }
        if (to == DType.BOOL) {
            return "(" + x + " != 0)";
        }
        if (to == DType.F32 && !from.isFloat()) {
            return "(float) (double) " + x;
        }
        return "(" + CudaTypes.value(to) + ") " + x;
    }
}
