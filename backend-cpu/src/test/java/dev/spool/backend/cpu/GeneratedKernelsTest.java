package dev.spool.backend.cpu;

import dev.spool.backend.cpu.codegen.KernelSource;
import dev.spool.runtime.internal.cpu.FloatMath;
import dev.spool.runtime.internal.cpu.VectorSupport;
import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;
import dev.spool.ops.UnaryFn;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Janino-compiled elementwise kernels against independent scalar math: every unary and binary
 * op, compare + where, in F32 and F64, for row lengths around both vector widths (vector loop plus
 * scalar tail), with row-broadcast, column-broadcast and scalar operands; and fused RNN/GRU/LSTM
 * gate math, forward and backward, against the reference interpreter. F64 must agree to 1e-12
 * (relative), F32 to a few ulps of the float result.
 */
class GeneratedKernelsTest {
    private static final int[] LENGTHS = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 35};
    private static final int ROWS = 3;

    private static double unary(UnaryFn f, double x) {
        return switch (f) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> Math.max(x, 0);
            case SQRT -> Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
        };
    }

    private static double binary(BinaryFn f, double x, double y) {
        return switch (f) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case POW -> Math.pow(x, y);
        };
    }

    /** Inputs in the op's domain: positive for log, sqrt, pow bases; away from 0 for reciprocals and divisors. */
    private static Tensor input(Random rnd, DType t, boolean positive, int... shape) {
        Tensor x = Tensor.zeros(t, shape);
        for (int i = 0; i < x.size(); i++) {
            double v = rnd.nextGaussian() * 2;
            if (positive) {
                v = 0.1 + Math.abs(v);
            } else if (Math.abs(v) < 0.1) {
                v = v < 0 ? -0.5 : 0.5;
            }
            x.setDouble(i, v);
        }
        return x;
    }

    private static void close(DType t, double expected, double actual, String what) {
        double tol = t == DType.F64 ? 1e-12 * Math.max(1e-300, Math.abs(expected)) + 1e-300 : 8 * Math.ulp((float) expected) + 1e-37;
        if (!(Math.abs(expected - actual) <= tol) && !(Double.isNaN(expected) && Double.isNaN(actual))) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual + " (tolerance " + tol + ")");
        }
    }

    private static Map<String, Tensor> runCompiled(Graph g, Map<String, Tensor> feeds, boolean expectVector) {
        CpuProgram p = CpuBackend.compile(g);
        Map<String, Tensor> out = p.run(feeds);
        Map<String, Integer> dims = new HashMap<>();
        FeedBinding.bind(p.graph(), feeds, dims);
        List<String> sources = p.kernelSources(dims);
        assertFalse(sources.isEmpty(), "the elementwise graph ran a generated kernel");
        for (String s : sources) {
            assertTrue(s.contains("class SpoolKernel"), s);
        }
        if (expectVector && VectorSupport.floatLanes() > 0) {
            assertTrue(sources.stream().anyMatch(s -> s.contains("lanewise(VectorOperators.") || s.contains(".blend(")),
                    "a vector kernel:\n" + sources);
        }
        return out;
    }

    /** Operand b of a binary op: same shape, a row (n) broadcast over rows, a column (R, 1), or a scalar. */
    enum Operand {
        FULL, ROW, COLUMN, SCALAR;

        int[] shape(int n) {
            return switch (this) {
                case FULL -> new int[] {ROWS, n};
                case ROW -> new int[] {n};
                case COLUMN -> new int[] {ROWS, 1};
                case SCALAR -> new int[] {};
            };
        }

        int index(int r, int j, int n) {
            return switch (this) {
                case FULL -> r * n + j;
                case ROW -> j;
                case COLUMN -> r;
                case SCALAR -> 0;
            };
        }
    }

    @TestFactory
    Stream<DynamicTest> everyUnaryOpMatchesScalarMath() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            for (UnaryFn f : UnaryFn.values()) {
                tests.add(DynamicTest.dynamicTest(f + " " + t, () -> {
                    Random rnd = new Random(f.ordinal() * 31L + t.ordinal());
                    boolean positive = f == UnaryFn.LOG || f == UnaryFn.SQRT;
                    for (int n : LENGTHS) {
                        var b = new Builder();
                        Value x = b.input("x", t, ROWS, n);
                        Tensor xt = input(rnd, t, positive, ROWS, n);
                        // Transcendentals without a tier-independent vector form run scalar (see KernelSource).
                        boolean transcendental = f == UnaryFn.EXP || f == UnaryFn.TANH || f == UnaryFn.SIGMOID;
                        boolean vector = f != UnaryFn.LOG && (!transcendental || KernelSource.VECTOR_FLOAT_MATH && t == DType.F32);
                        Tensor y = runCompiled(b.build("y", b.unary(f, x)), Map.of("x", xt), vector).get("y");
                        for (int i = 0; i < xt.size(); i++) {
                            close(t, unary(f, xt.getDouble(i)), y.getDouble(i), f + " " + t + " n=" + n + " element " + i);
                        }
                    }
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyBinaryOpMatchesScalarMathWithBroadcastOperands() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            for (BinaryFn f : BinaryFn.values()) {
                for (Operand o : Operand.values()) {
                    tests.add(DynamicTest.dynamicTest(f + " " + t + " b=" + o, () -> {
                        Random rnd = new Random(f.ordinal() * 131L + o.ordinal() * 7L + t.ordinal());
                        for (int n : LENGTHS) {
                            for (boolean swap : new boolean[] {false, true}) {
                                var b = new Builder();
                                Value x = b.input("x", t, ROWS, n);
                                Value y = b.input("y", t, o.shape(n));
                                Tensor xt = input(rnd, t, f == BinaryFn.POW, ROWS, n);
                                Tensor yt = input(rnd, t, f == BinaryFn.POW, o.shape(n));
                                if (f == BinaryFn.POW && swap) {
                                    continue;
                                }
                                Value z = swap ? b.binary(f, y, x) : b.binary(f, x, y);
                                Tensor zt = runCompiled(b.build("z", z), Map.of("x", xt, "y", yt), f != BinaryFn.POW && (o != Operand.COLUMN || n > 1)).get("z");
                                for (int r = 0; r < ROWS; r++) {
                                    for (int j = 0; j < n; j++) {
                                        double xv = xt.getDouble(r * n + j);
                                        double yv = yt.getDouble(o.index(r, j, n));
                                        double e = swap ? binary(f, yv, xv) : binary(f, xv, yv);
                                        close(t, e, zt.getDouble(r * n + j), f + " " + t + " b=" + o + " swap=" + swap + " n=" + n + " [" + r + "," + j + "]");
                                    }
                                }
                            }
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> compareAndWhereMatchScalarMath() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            for (CompareFn f : CompareFn.values()) {
                tests.add(DynamicTest.dynamicTest(f + " " + t, () -> {
                    Random rnd = new Random(f.ordinal() + 17L * t.ordinal());
                    for (int n : LENGTHS) {
                        var b = new Builder();
                        Value x = b.input("x", t, ROWS, n);
                        Value y = b.input("y", t, n);
                        // where(x f y, x * 2, y - x): the mask feeds a blend in the vector loop.
                        Value z = b.where(b.compare(f, x, y), b.mul(x, b.scalar(2, t)), b.sub(y, x));
                        Tensor xt = input(rnd, t, false, ROWS, n);
                        Tensor yt = input(rnd, t, false, n);
                        for (int j = 0; j < n; j += 3) {
                            yt.setDouble(j, xt.getDouble(j)); // some equal pairs for EQ, LE, GE, NE
                        }
                        // exp/tanh/sigmoid kernels run scalar (see ElementwiseTemplate.hasTierIndependentVectorForm).
                Tensor zt = runCompiled(b.build("z", z), Map.of("x", xt, "y", yt), t == DType.F32 && KernelSource.VECTOR_FLOAT_MATH).get("z");
                        for (int r = 0; r < ROWS; r++) {
                            for (int j = 0; j < n; j++) {
                                double xv = xt.getDouble(r * n + j);
                                double yv = yt.getDouble(j);
                                boolean c = switch (f) {
                                    case LT -> xv < yv;
                                    case LE -> xv <= yv;
                                    case GT -> xv > yv;
                                    case GE -> xv >= yv;
                                    case EQ -> xv == yv;
                                    case NE -> xv != yv;
                                };
                                close(t, c ? xv * 2 : yv - xv, zt.getDouble(r * n + j), f + " " + t + " n=" + n + " [" + r + "," + j + "]");
                            }
                        }
                    }
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void fusedChainWithConstantsMatchesScalarMath() {
        // sigmoid(x) * tanh(y + 0.5) - relu(x) / 3 + exp(-x*x): one fused kernel with hoisted constants.
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Random rnd = new Random(5 + t.ordinal());
            for (int n : LENGTHS) {
                var b = new Builder();
                Value x = b.input("x", t, ROWS, n);
                Value y = b.input("y", t, ROWS, n);
                Value z = b.add(b.sub(b.mul(b.sigmoid(x), b.tanh(b.add(y, b.scalar(0.5, t)))), b.div(b.relu(x), b.scalar(3, t))),
                        b.exp(b.neg(b.mul(x, x))));
                Tensor xt = input(rnd, t, false, ROWS, n);
                Tensor yt = input(rnd, t, false, ROWS, n);
                // exp/tanh/sigmoid kernels run scalar (see ElementwiseTemplate.hasTierIndependentVectorForm).
                Tensor zt = runCompiled(b.build("z", z), Map.of("x", xt, "y", yt), t == DType.F32 && KernelSource.VECTOR_FLOAT_MATH).get("z");
                for (int i = 0; i < xt.size(); i++) {
                    double xv = xt.getDouble(i);
                    double yv = yt.getDouble(i);
                    double e = 1 / (1 + Math.exp(-xv)) * Math.tanh(yv + 0.5) - Math.max(xv, 0) / 3 + Math.exp(-xv * xv);
                    // F32 rounds at every op: allow a few ulps of each term's magnitude.
                    double scale = t == DType.F64 ? 1e-12 : 3e-6;
                    assertEquals(e, zt.getDouble(i), scale * (1 + Math.abs(xv) + Math.abs(e)), t + " n=" + n + " element " + i);
                }
            }
        }
    }

    /**
     * A fused body longer than {@link KernelSource#SEGMENT_OPERATIONS} runs as segment methods over
     * chunks with scratch slots: its bits are those of the same float operations in Java, over rows
     * that end inside a chunk, at a chunk's end and past it (vector loops and scalar tails), with a
     * comparison of the first segment used in the last, and a value of the first segment as a result.
     */
    @Test
    void segmentedKernelHasTheBitsOfTheSameScalarOperations() {
        Random rnd = new Random(11);
        for (int n : new int[] {1, 7, 255, KernelSource.CHUNK, KernelSource.CHUNK + 1, 2 * KernelSource.CHUNK + 19}) {
            var b = new Builder();
            Value x = b.input("x", DType.F32, ROWS, n);
            Value y = b.input("y", DType.F32, ROWS, n);
            Value greater = b.compare(CompareFn.GT, x, y);
            Value a = b.tanh(x);
            Value s = b.sigmoid(y);
            Value e = b.exp(b.neg(b.mul(x, y)));
            Value d = b.tanh(b.add(b.mul(a, s), y));
            Graph g = b.build("w", b.where(greater, d, e), "a", a);
            Tensor xt = input(rnd, DType.F32, false, ROWS, n);
            Tensor yt = input(rnd, DType.F32, false, ROWS, n);
            Map<String, Tensor> feeds = Map.of("x", xt, "y", yt);
            CpuProgram p = CpuBackend.compile(g);
            Map<String, Tensor> out = p.run(feeds);
            if (VectorSupport.floatLanes() > 0 && KernelSource.VECTOR_FLOAT_MATH) {
                Map<String, Integer> dims = new HashMap<>();
                FeedBinding.bind(p.graph(), feeds, dims);
                assertTrue(p.kernelSources(dims).stream().anyMatch(src -> src.contains("seg2(")), "a kernel of three segments:\n" + p.kernelSources(dims));
            }
            for (int i = 0; i < xt.size(); i++) {
                float xv = (float) xt.getDouble(i);
                float yv = (float) yt.getDouble(i);
                float av = FloatMath.tanh(xv);
                float dv = FloatMath.tanh(av * FloatMath.sigmoid(yv) + yv);
                float ev = FloatMath.exp(-(xv * yv));
                String at = "n=" + n + " element " + i;
                assertEquals(Float.floatToIntBits(xv > yv ? dv : ev), Float.floatToIntBits((float) out.get("w").getDouble(i)), "w, " + at);
                assertEquals(Float.floatToIntBits(av), Float.floatToIntBits((float) out.get("a").getDouble(i)), "a, " + at);
            }
        }
    }

    /**
     * A segmented kernel over rows shorter than a chunk runs blocks of CHUNK / n rows per segment
     * call: with a bias along the row and a value per row broadcast into it (so the rows cannot be
     * collapsed into one), its bits are those of the same float operations in Java, for rows that
     * fill a block exactly, leave a partial last block, and are longer than a chunk.
     */
    @Test
    void segmentedKernelOverShortBroadcastRowsHasTheBitsOfTheSameScalarOperations() {
        Random rnd = new Random(12);
        int rows = 37;
        for (int n : new int[] {1, 5, 16, 32, 100, KernelSource.CHUNK + 3}) {
            var b = new Builder();
            Value x = b.input("x", DType.F32, rows, n);
            Value bias = b.input("bias", DType.F32, n);
            Value col = b.input("col", DType.F32, rows, 1);
            Value y = b.add(b.mul(x, col), bias);
            Value a = b.tanh(y);
            Value d = b.tanh(b.add(b.mul(a, b.sigmoid(x)), col));
            Graph g = b.build("d", d, "a", a);
            Tensor xt = input(rnd, DType.F32, false, rows, n);
            Tensor bt = input(rnd, DType.F32, false, n);
            Tensor ct = input(rnd, DType.F32, false, rows, 1);
            Map<String, Tensor> feeds = Map.of("x", xt, "bias", bt, "col", ct);
            CpuProgram p = CpuBackend.compile(g);
            Map<String, Tensor> out = p.run(feeds);
            if (VectorSupport.floatLanes() > 0 && KernelSource.VECTOR_FLOAT_MATH) {
                Map<String, Integer> dims = new HashMap<>();
                FeedBinding.bind(p.graph(), feeds, dims);
                assertTrue(p.kernelSources(dims).stream().anyMatch(src -> src.contains("seg1(")), "a segmented kernel:\n" + p.kernelSources(dims));
            }
            for (int r = 0; r < rows; r++) {
                float cv = (float) ct.getDouble(r);
                for (int j = 0; j < n; j++) {
                    int i = r * n + j;
                    float xv = (float) xt.getDouble(i);
                    float av = FloatMath.tanh(xv * cv + (float) bt.getDouble(j));
                    float dv = FloatMath.tanh(av * FloatMath.sigmoid(xv) + cv);
                    String at = "n=" + n + " row " + r + " element " + j;
                    assertEquals(Float.floatToIntBits(dv), Float.floatToIntBits((float) out.get("d").getDouble(i)), "d, " + at);
                    assertEquals(Float.floatToIntBits(av), Float.floatToIntBits((float) out.get("a").getDouble(i)), "a, " + at);
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> recurrentGateMathForwardAndBackwardMatchesTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Cell cell : Cell.values()) {
            for (DType t : new DType[] {DType.F32, DType.F64}) {
                for (int hidden : new int[] {7, 8, 17}) {
                    tests.add(DynamicTest.dynamicTest(cell + " " + t + " H=" + hidden, () -> {
                        int batch = 3, input = 5, steps = 4;
                        Graph g = RecurrentGraphs.graph(cell, t, input, hidden, true);
                        Map<String, Tensor> feeds = RecurrentGraphs.feeds(cell, t, steps, batch, input, hidden, hidden * 10L + cell.ordinal());
                        Map<String, Tensor> got = runCompiled(g, feeds, true);
                        Map<String, Tensor> want = CpuBackend.reference(g).run(feeds);
                        assertEquals(want.keySet(), got.keySet());
                        for (String name : want.keySet()) {
                            double[] e = want.get(name).toDoubles();
                            double[] a = got.get(name).toDoubles();
                            assertEquals(e.length, a.length, name);
                            for (int i = 0; i < e.length; i++) {
                                double tol = (t == DType.F64 ? 1e-11 : 2e-5) * Math.max(1, Math.abs(e[i]));
                                assertEquals(e[i], a[i], tol, cell + " " + t + " H=" + hidden + " " + name + "[" + i + "]");
                            }
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void generatedSourceDependsOnExpressionAndLayoutNotOnSizes() {
        // Same expression at two lengths with the same vector width: one source (shared compiled kernel).
        var b = new Builder();
        Value x = b.input("x", DType.F32, "B", "N");
        Graph g = b.build("y", b.tanh(b.mul(x, x)));
        CpuProgram p = CpuBackend.compile(g);
        List<String> a = p.kernelSources(Map.of("B", 3, "N", 40));
        List<String> c = p.kernelSources(Map.of("B", 5, "N", 72));
        assertEquals(a, c);
        for (String s : a) {
            String code = s.substring(s.indexOf("public void run")); // after the constant fields (FloatMath's 88.72284f has a 72)
            assertFalse(code.contains("40") || code.contains("72") || code.contains("120") || code.contains("360"), s);
        }
    }

    /** The scalar oracle used above agrees with a hand-written sigmoid, 1 / (1 + e^-x). */
    @Test
    void oracleAgreesWithTheOpsDefinitions() {
        for (double x = -5; x <= 5; x += 0.25) {
            assertEquals(1 / (1 + Math.exp(-x)), unary(UnaryFn.SIGMOID, x), 1e-15);
        }
    }
}
