package dev.spool.backend.cpu.codegen;

import dev.spool.graph.DType;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Op;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Unary;
import dev.spool.ops.UnaryFn;
import dev.spool.runtime.internal.cpu.FloatMath;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The Java code template of each elementwise op inside a generated kernel ({@link KernelSource}):
 * its scalar expression, its Vector API expression, and whether it has a vector form that rounds
 * exactly as the scalar one in every JIT tier.
 *
 * <p>Every vector operation is written as a direct call of {@code lanewise(VectorOperators.X,
 * ...)}, {@code compare} or {@code blend}: the methods each vector shape overrides, so the call site
 * lives in the kernel and its type profile sees only that kernel's shape. The convenience methods
 * ({@code add}, {@code mul}, {@code neg}, {@code max}, ...) call {@code lanewise} from inside
 * {@code FloatVector}, one call site shared by every caller in the JVM; once kernels (or VectorRows)
 * of two widths have run, C2 inlines it bimorphically, the vector's exact type is lost, the store
 * intrinsic fails, and every vector op allocates its box: per scan step, in steady state. Each call
 * is cast to the kernel's exact vector class by {@code exact} ({@code FloatMath.exact}).
 */
enum ElementwiseTemplate {
    UNARY {
        @Override
        String scalar(Primitive p, DType in, DType out, List<String> a) {
            return unary((Unary) p, a.get(0), out);
        }

        @Override
        String vector(Primitive p, List<String> a, UnaryOperator<String> exact) {
            String x = a.get(0);
            return switch (((Unary) p).fn()) {
                case NEG -> unaryOp("NEG", x, exact);
                case EXP, LOG, TANH, SIGMOID -> throw new IllegalStateException("no tier-independent vector form: " + ((Unary) p).fn());
                case RELU -> binaryOp("MAX", x, "ZERO", exact);
                case SQRT -> unaryOp("SQRT", x, exact);
                case ABS -> unaryOp("ABS", x, exact);
                case SQUARE -> binaryOp("MUL", x, x, exact);
                case RECIPROCAL -> binaryOp("DIV", "ONE", x, exact);
            };
        }

        @Override
        boolean hasVectorForm(Node n, DType ft) {
            return hasTierIndependentVectorForm(((Unary) n.op()).fn(), ft);
        }
    },
    BINARY {
        @Override
        String scalar(Primitive p, DType in, DType out, List<String> a) {
            return binary((Binary) p, a.get(0), a.get(1), out);
        }

        @Override
        String vector(Primitive p, List<String> a, UnaryOperator<String> exact) {
            String x = a.get(0);
            String y = a.get(1);
            return switch (((Binary) p).fn()) {
                case ADD -> binaryOp("ADD", x, y, exact);
                case SUB -> binaryOp("SUB", x, y, exact);
                case MUL -> binaryOp("MUL", x, y, exact);
                case DIV -> binaryOp("DIV", x, y, exact);
                case MAX -> binaryOp("MAX", x, y, exact);
                case MIN -> binaryOp("MIN", x, y, exact);
                case POW -> binaryOp("POW", x, y, exact);
            };
        }

        /** The Vector API's POW is not the scalar Math.pow in every tier. */
        @Override
        boolean hasVectorForm(Node n, DType ft) {
            return ((Binary) n.op()).fn() != BinaryFn.POW;
        }
    },
    /** A boolean in scalar code, a {@code VectorMask} in vector code (masks feed where). */
    COMPARE {
        @Override
        String scalar(Primitive p, DType in, DType out, List<String> a) {
            return "(" + a.get(0) + " " + ((Compare) p).fn().symbol() + " " + a.get(1) + ")";
        }

        @Override
        String vector(Primitive p, List<String> a, UnaryOperator<String> exact) {
            return a.get(0) + ".compare(VectorOperators." + ((Compare) p).fn().name() + ", " + a.get(1) + ")";
        }

        @Override
        boolean hasVectorForm(Node n, DType ft) {
            return n.inputs().get(0).dtype() == ft;
        }
    },
    WHERE {
        @Override
        String scalar(Primitive p, DType in, DType out, List<String> a) {
            return "(" + a.get(0) + " ? " + a.get(1) + " : " + a.get(2) + ")";
        }

        @Override
        String vector(Primitive p, List<String> a, UnaryOperator<String> exact) {
            return exact.apply(a.get(2) + ".blend(" + a.get(1) + ", " + a.get(0) + ")");
        }

        @Override
        boolean hasVectorForm(Node n, DType ft) {
            return true;
        }
    },
    /** Vector code holds one dtype, so only a cast to the operand's own dtype (a no-op) vectorises. */
    CAST {
        @Override
        String scalar(Primitive p, DType in, DType out, List<String> a) {
            return cast(a.get(0), in, out);
        }

        @Override
        String vector(Primitive p, List<String> a, UnaryOperator<String> exact) {
            return a.get(0);
        }

        @Override
        boolean hasVectorForm(Node n, DType ft) {
            return ((Cast) n.op()).to() == n.inputs().get(0).dtype();
        }
    };

    /** The scalar Java expression of op {@code p} on operand expressions {@code a} ({@code in}: the first operand's dtype). */
    abstract String scalar(Primitive p, DType in, DType out, List<String> a);

    /** The vector expression of op {@code p} on operand vectors {@code a}; {@code exact} casts a vector-valued call. */
    abstract String vector(Primitive p, List<String> a, UnaryOperator<String> exact);

    /** Whether node n (of this op) can run in a vector loop of float dtype ft, bit-identical to the scalar loop. */
    abstract boolean hasVectorForm(Node n, DType ft);

    /** The {@link FloatMath} function (exp, tanh, sigmoid) that computes op, or null. */
    static String floatMathFunction(Op op) {
        if (!(op instanceof Unary u)) {
            return null;
        }
        return switch (u.fn()) {
            case EXP -> "exp";
            case TANH -> "tanh";
            case SIGMOID -> "sigmoid";
            default -> null;
        };
    }

    /**
     * Whether a vector loop computes fn exactly as the scalar code does, in every JIT tier: the
     * exact IEEE operations do, and so does {@link FloatMath}'s vector form of F32 exp, tanh and
     * sigmoid (the same operations in the same order). The Vector API's own transcendentals do not
     * (SVML under C2, Math per lane before), so F64 exp/tanh/sigmoid and every log run as scalar loops
     * (F64 through Math, whose intrinsics all tiers share).
     */
    private static boolean hasTierIndependentVectorForm(UnaryFn fn, DType t) {
        return switch (fn) {
            case NEG, RELU, SQRT, ABS, SQUARE, RECIPROCAL -> true;
            case EXP, TANH, SIGMOID -> KernelSource.VECTOR_FLOAT_MATH && t == DType.F32;
            case LOG -> false;
        };
    }

    private static String unaryOp(String op, String x, UnaryOperator<String> exact) {
        return exact.apply(x + ".lanewise(VectorOperators." + op + ")");
    }

    private static String binaryOp(String op, String x, String y, UnaryOperator<String> exact) {
        return exact.apply(x + ".lanewise(VectorOperators." + op + ", " + y + ")");
    }

    private static String unary(Unary u, String x, DType t) {
        String cast = t == DType.F32 ? "(float) " : "";
        if (!t.isFloat()) {
            String jt = KernelSource.javaType(t);
            return "(" + jt + ") (" + switch (u.fn()) {
                case NEG -> "-" + x;
                case RELU -> "Math.max(" + x + ", 0)";
                case ABS -> "Math.abs(" + x + ")";
                case SQUARE -> x + " * " + x;
                default -> throw new IllegalStateException(u.fn() + " on " + t);
            } + ")";
        }
        return switch (u.fn()) {
            case NEG -> "(-" + x + ")";
            case EXP -> t == DType.F32 ? "dev.spool.runtime.internal.cpu.FloatMath.exp(" + x + ")" : "Math.exp(" + x + ")";
            case LOG -> cast + "Math.log(" + x + ")";
            case TANH -> t == DType.F32 ? "dev.spool.runtime.internal.cpu.FloatMath.tanh(" + x + ")" : "Math.tanh(" + x + ")";
            case SIGMOID -> t == DType.F32 ? "dev.spool.runtime.internal.cpu.FloatMath.sigmoid(" + x + ")" : "dev.spool.ops.UnaryFn.SIGMOID.apply(" + x + ")";
            case RELU -> "(" + x + " > 0 ? " + x + " : 0)";
            case SQRT -> cast + "Math.sqrt(" + x + ")";
            case ABS -> "Math.abs(" + x + ")";
            case SQUARE -> "(" + x + " * " + x + ")";
            case RECIPROCAL -> "(1 / " + x + ")";
        };
    }

    private static String binary(Binary b, String x, String y, DType t) {
        String jt = KernelSource.javaType(t);
        return "(" + jt + ") (" + switch (b.fn()) {
            case ADD -> x + " + " + y;
            case SUB -> x + " - " + y;
            case MUL -> x + " * " + y;
            case DIV -> x + " / " + y;
            case MAX -> "Math.max(" + x + ", " + y + ")";
            case MIN -> "Math.min(" + x + ", " + y + ")";
            case POW -> t.isFloat() ? "Math.pow(" + x + ", " + y + ")" : "(long) Math.pow(" + x + ", " + y + ")";
        } + ")";
    }

    private static String cast(String x, DType from, DType to) {
        if (from == to) {
            return x;
        }
        if (from == DType.BOOL) {
            return "(" + x + " ? " + KernelSource.literal(1, to) + " : " + KernelSource.literal(0, to) + ")";
        }
        if (to == DType.BOOL) {
            return "(" + x + " != 0)";
        }
        if (to == DType.F32 && !from.isFloat()) {
            return "(float) (double) " + x; // as the reference: through double
        }
        return "(" + KernelSource.javaType(to) + ") " + x;
    }
}
