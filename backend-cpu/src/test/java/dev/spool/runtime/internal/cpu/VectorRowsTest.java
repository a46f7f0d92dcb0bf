package dev.spool.runtime.internal.cpu;

import dev.spool.backend.cpu.CpuBackend;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every {@link VectorRows} operation against a plain double-precision loop, for row lengths around
 * the vector width (0, 1, L-1, L, L+1, 2L+3, odd sizes), several row counts, element offsets and
 * padded row strides. The arena is filled with a sentinel first, and every float outside the range
 * an operation may write must still hold it afterwards (and inputs must be unchanged): vector
 * stores of a row's remainder must not reach past the destination.
 *
 * <p>VectorRows is F32-only (F64 softmax and cross-entropy take scalar loops in {@link MathExecs});
 * F64 vector code is covered by the generated kernels, see {@link GeneratedKernelsTest}.
 */
class VectorRowsTest {
    private static final float SENTINEL = -12345.678f;
    private static int L;

    @BeforeAll
    static void lanes() {
        L = VectorSupport.floatLanes();
    }

    /** Row lengths around the vector width, plus odd sizes. */
    static int[] lengths() {
        int l = Math.max(1, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length());
        TreeSet<Integer> s = new TreeSet<>();
        for (int n : new int[] {0, 1, 2, 3, 5, 7, 13, 31, 33, l - 1, l, l + 1, 2 * l - 1, 2 * l, 2 * l + 1, 2 * l + 3, 3 * l + 5}) {
            if (n >= 0) {
                s.add(n);
            }
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    static int[] positiveLengths() {
        return IntStream.of(lengths()).filter(n -> n > 0).toArray();
    }

    private static final int[] ROWS = {1, 2, 3, 5, 8};

    /** A direct little-endian arena of {@code floats} floats, every one the sentinel. */
    private static ByteBuffer arena(int floats) {
        ByteBuffer m = ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < floats; i++) {
            m.putFloat(4 * i, SENTINEL);
        }
        return m;
    }

    private static float[] snapshot(ByteBuffer m) {
        float[] f = new float[m.capacity() / 4];
        for (int i = 0; i < f.length; i++) {
            f[i] = m.getFloat(4 * i);
        }
        return f;
    }

    /** Writes rows of random values (element index {@code at}, row stride {@code stride} floats). */
    private static void randomRows(ByteBuffer m, Random rnd, int at, int stride, int rows, int n, double scale) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                m.putFloat(4 * (at + r * stride + j), (float) (rnd.nextGaussian() * scale));
            }
        }
    }

    /** Every float not in {@code written} is bitwise what it was before. */
    private static void assertOnlyWritten(float[] before, ByteBuffer m, boolean[] written, String what) {
        for (int i = 0; i < before.length; i++) {
            if (!written[i]) {
                float now = m.getFloat(4 * i);
                if (Float.floatToRawIntBits(now) != Float.floatToRawIntBits(before[i])) {
                    throw new AssertionError(what + ": float " + i + " outside the destination was overwritten: " + before[i] + " -> " + now
                            + " (lanes " + L + ")");
                }
            }
        }
    }

    private static boolean[] region(int floats, int at, int stride, int rows, int n) {
        boolean[] w = new boolean[floats];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                w[at + r * stride + j] = true;
            }
        }
        return w;
    }

    private static void close(double expected, double actual, double rel, String what) {
        double tol = rel * Math.max(1, Math.abs(expected));
        if (!(Math.abs(expected - actual) <= tol)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual + " (lanes " + L + ")");
        }
    }

    private void assumeVectors() {
        assumeTrue(L > 0, "jdk.incubator.vector not enabled");
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("lengths")
    void softmaxAndLogSoftmaxMatchScalarRowsAndWriteOnlyTheirRows(int n) {
        assumeVectors();
        Random rnd = new Random(n);
        for (boolean log : new boolean[] {false, true}) {
            for (int rows : ROWS) {
                for (int pad : new int[] {0, 3}) {
                    for (int offset : new int[] {0, 1, 5}) {
                        int stride = n + pad;
                        int in = offset;
                        int out = in + rows * stride + 7 + offset;
                        int floats = out + rows * stride + 3 * L + 16;
                        ByteBuffer m = arena(floats);
                        randomRows(m, rnd, in, stride, rows, n, 3);
                        float[] before = snapshot(m);
                        VectorRows.softmax(m, 4 * in, 4 * stride, 4 * out, 4 * stride, rows, n, log);
                        String what = (log ? "log_softmax" : "softmax") + " n=" + n + " rows=" + rows + " pad=" + pad + " offset=" + offset;
                        assertOnlyWritten(before, m, region(floats, out, stride, rows, n), what);
                        for (int r = 0; r < rows; r++) {
                            double max = Double.NEGATIVE_INFINITY;
                            for (int j = 0; j < n; j++) {
                                max = Math.max(max, before[in + r * stride + j]);
                            }
                            double s = 0;
                            for (int j = 0; j < n; j++) {
                                s += Math.exp(before[in + r * stride + j] - max);
                            }
                            for (int j = 0; j < n; j++) {
                                double x = before[in + r * stride + j] - max;
                                double e = log ? x - Math.log(s) : Math.exp(x) / s;
                                close(e, m.getFloat(4 * (out + r * stride + j)), 2e-6, what + " [" + r + "," + j + "]");
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("lengths")
    void softmaxInPlaceOverContiguousRows(int n) {
        assumeVectors();
        Random rnd = new Random(100 + n);
        for (boolean log : new boolean[] {false, true}) {
            for (int rows : ROWS) {
                int at = 3;
                int floats = at + rows * n + 3 * L + 16;
                ByteBuffer m = arena(floats);
                randomRows(m, rnd, at, n, rows, n, 2);
                float[] before = snapshot(m);
                VectorRows.softmax(m, 4 * at, 4 * n, 4 * at, 4 * n, rows, n, log);
                String what = (log ? "in-place log_softmax" : "in-place softmax") + " n=" + n + " rows=" + rows;
                assertOnlyWritten(before, m, region(floats, at, n, rows, n), what);
                for (int r = 0; r < rows; r++) {
                    double max = Double.NEGATIVE_INFINITY;
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        max = Math.max(max, before[at + r * n + j]);
                    }
                    for (int j = 0; j < n; j++) {
                        s += Math.exp(before[at + r * n + j] - max);
                    }
                    for (int j = 0; j < n; j++) {
                        double x = before[at + r * n + j] - max;
                        close(log ? x - Math.log(s) : Math.exp(x) / s, m.getFloat(4 * (at + r * n + j)), 2e-6, what + " [" + r + "," + j + "]");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("positiveLengths")
    void crossEntropyMatchesScalarAndWritesNothing(int n) {
        assumeVectors();
        Random rnd = new Random(200 + n);
        for (int rows : ROWS) {
            for (int offset : new int[] {0, 1, 6}) {
                int floats = offset + rows * n + 2 * L + 8;
                ByteBuffer m = arena(floats);
                randomRows(m, rnd, offset, n, rows, n, 4);
                int[] target = rnd.ints(rows, 0, n).toArray();
                float[] sums = new float[rows];
                float[] before = snapshot(m);
                double total = VectorRows.crossEntropy(m, 4 * offset, rows, n, target, sums);
                String what = "cross_entropy n=" + n + " rows=" + rows + " offset=" + offset;
                assertOnlyWritten(before, m, new boolean[floats], what);
                double expected = 0;
                for (int r = 0; r < rows; r++) {
                    expected += lse(before, offset + r * n, n) - before[offset + r * n + target[r]];
                }
                close(expected, total, 1e-5 * rows, what);
            }
        }
    }

    private static double lse(float[] x, int at, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x[at + j]);
        }
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += Math.exp(x[at + j] - max);
        }
        return max + Math.log(s);
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("positiveLengths")
    void crossEntropyGradMatchesScalarAndWritesOnlyItsRows(int n) {
        assumeVectors();
        Random rnd = new Random(300 + n);
        for (boolean loss : new boolean[] {false, true}) {
            for (int rows : ROWS) {
                for (int offset : new int[] {0, 1, 3, -1}) {
                    // offset -1: the output first and the logits last, the arena ending right after
                    // them, so that no vector load may run past the last logit row.
                    boolean logitsLast = offset < 0;
                    int logits = logitsLast ? rows * n + 5 : offset;
                    int out = logitsLast ? 0 : logits + rows * n + 5 + offset;
                    int floats = logitsLast ? logits + rows * n : out + rows * n + 3 * L + 16;
                    ByteBuffer m = arena(floats);
                    randomRows(m, rnd, logits, n, rows, n, 3);
                    int[] target = rnd.ints(rows, 0, n).toArray();
                    float scale = 0.25f + rnd.nextFloat();
                    float[] sums = new float[rows];
                    float[] before = snapshot(m);
                    double total = VectorRows.crossEntropyGrad(m, 4 * logits, 4 * out, rows, n, target, scale, loss, sums);
                    String what = "cross_entropy_grad n=" + n + " rows=" + rows + " offset=" + offset + " loss=" + loss;
                    assertOnlyWritten(before, m, region(floats, out, n, rows, n), what);
                    double expected = 0;
                    for (int r = 0; r < rows; r++) {
                        double l = lse(before, logits + r * n, n);
                        expected += l - before[logits + r * n + target[r]];
                        for (int j = 0; j < n; j++) {
                            double g = (Math.exp(before[logits + r * n + j] - l) - (j == target[r] ? 1 : 0)) * scale;
                            double got = m.getFloat(4 * (out + r * n + j));
                            assertEquals(g, got, 3e-6 * scale, what + " [" + r + "," + j + "]");
                        }
                    }
                    if (loss) {
                        close(expected, total, 1e-5 * rows, what + " loss");
                    } else {
                        assertEquals(0, total, what + ": no loss asked for");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("lengths")
    void columnSumsAddEveryColumnIntoItsAccumulatorOnly(int n) {
        assumeVectors();
        Random rnd = new Random(400 + n);
        for (int rows : new int[] {0, 1, 3, 17, 300}) {
            for (int pad : new int[] {0, 2}) {
                int stride = n + pad;
                int at = 1 + pad;
                int floats = at + rows * stride + 2 * L + 8;
                ByteBuffer m = arena(floats);
                randomRows(m, rnd, at, stride, rows, n, 1);
                float[] before = snapshot(m);
                double[] acc = new double[n + 3];
                for (int j = 0; j < acc.length; j++) {
                    acc[j] = j * 0.5 - 1;
                }
                double[] expected = acc.clone();
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < n; j++) {
                        expected[j] += before[at + r * stride + j];
                    }
                }
                VectorRows.columnSums(m, 4 * at, 4 * stride, rows, n, acc, new float[n]);
                String what = "columnSums n=" + n + " rows=" + rows + " pad=" + pad;
                assertOnlyWritten(before, m, new boolean[floats], what);
                for (int j = 0; j < acc.length; j++) {
                    assertEquals(expected[j], acc[j], 1e-4 * Math.max(1, Math.sqrt(rows)), what + " column " + j);
                }
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("lengths")
    void addRowAddsExactlyNFloats(int n) {
        assumeVectors();
        Random rnd = new Random(500 + n);
        for (int offset : new int[] {0, 1, 3}) {
            int src = offset;
            int dst = src + n + 2;
            int floats = dst + n + 2 * L + 8;
            ByteBuffer m = arena(floats);
            randomRows(m, rnd, src, n, 1, n, 1);
            randomRows(m, rnd, dst, n, 1, n, 1);
            float[] before = snapshot(m);
            VectorRows.addRow(m, 4 * src, 4 * dst, n);
            String what = "addRow n=" + n + " offset=" + offset;
            assertOnlyWritten(before, m, region(floats, dst, n, 1, n), what);
            for (int j = 0; j < n; j++) {
                // One float addition: exact in float arithmetic.
                assertEquals(before[dst + j] + before[src + j], m.getFloat(4 * (dst + j)), what + " [" + j + "]");
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("lengths")
    void fillWritesExactlyNFloats(int n) {
        assumeVectors();
        for (int offset : new int[] {0, 1, 2, 7}) {
            int floats = offset + n + 2 * L + 8;
            ByteBuffer m = arena(floats);
            float[] before = snapshot(m);
            VectorRows.fill(m, 4 * offset, n, 2.5f);
            String what = "fill n=" + n + " offset=" + offset;
            assertOnlyWritten(before, m, region(floats, offset, n, 1, n), what);
            for (int j = 0; j < n; j++) {
                assertEquals(2.5f, m.getFloat(4 * (offset + j)), what);
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("lengths")
    void softmaxRowsWalkedOneAtATimeMatchAllAtOnce(int n) {
        // MathExecs calls softmax per walk row with rows = the walk's inner size; the two must agree.
        assumeVectors();
        Random rnd = new Random(600 + n);
        int rows = 5;
        int floats = 2 * rows * n + 3 * L + 16;
        ByteBuffer a = arena(floats);
        randomRows(a, rnd, 0, n, rows, n, 2);
        ByteBuffer b = arena(floats);
        for (int i = 0; i < rows * n; i++) {
            b.putFloat(4 * i, a.getFloat(4 * i));
        }
        VectorRows.softmax(a, 0, 4 * n, 4 * rows * n, 4 * n, rows, n, false);
        for (int r = 0; r < rows; r++) {
            VectorRows.softmax(b, 4 * r * n, 4 * n, 4 * (rows + r) * n, 4 * n, 1, n, false);
        }
        float[] sa = snapshot(a);
        float[] sb = snapshot(b);
        for (int i = rows * n; i < 2 * rows * n; i++) {
            assertEquals(sb[i], sa[i], 1e-7, "n=" + n + " element " + i);
        }
        assertTrue(Arrays.equals(Arrays.copyOfRange(sa, 2 * rows * n, floats), Arrays.copyOfRange(sb, 2 * rows * n, floats)));
    }

    /**
     * Through a compiled graph: an F32 softmax and cross-entropy gradient over rows shorter than a
     * vector, with other results computed before them and still live, all against the reference
     * interpreter (a remainder stored past the last row lands in a neighbouring buffer).
     */
    @org.junit.jupiter.api.Test
    void shortRowsInACompiledGraphLeaveNeighbouringBuffersAlone() {
        for (int classes : new int[] {1, 2, 3, 5}) {
            for (int batch : new int[] {2, 7, 8, 13}) {
                var b = new dev.spool.ops.Builder();
                var x = b.input("x", dev.spool.graph.DType.F32, batch, classes);
                var ids = b.input("ids", dev.spool.graph.DType.I64, batch);
                var before = b.exp(x);
                var mid = b.tanh(x);
                var sm = b.softmax(x, 1);
                var ls = b.logSoftmax(b.mul(x, mid), 1);
                var loss = b.crossEntropy(b.add(x, before), ids);
                var g = dev.spool.ops.Grad.of(b.build("before", before, "mid", mid, "sm", sm, "ls", ls, "loss", loss), "loss", java.util.List.of("x"));
                Random rnd = new Random(classes * 100L + batch);
                dev.spool.graph.Tensor xt = dev.spool.graph.Tensor.zeros(dev.spool.graph.DType.F32, batch, classes);
                for (int i = 0; i < xt.size(); i++) {
                    xt.setDouble(i, rnd.nextGaussian());
                }
                dev.spool.graph.Tensor it = dev.spool.graph.Tensor.zeros(dev.spool.graph.DType.I64, batch);
                for (int i = 0; i < batch; i++) {
                    it.setLong(i, rnd.nextInt(classes));
                }
                var feeds = java.util.Map.of("x", xt, "ids", it);
                var got = CpuBackend.compile(g).run(feeds);
                var want = CpuBackend.reference(g).run(feeds);
                for (String name : want.keySet()) {
                    double[] e = want.get(name).toDoubles();
                    double[] a = got.get(name).toDoubles();
                    assertEquals(e.length, a.length, name);
                    for (int i = 0; i < e.length; i++) {
                        assertEquals(e[i], a[i], 1e-5 * Math.max(1, Math.abs(e[i])), name + "[" + i + "] classes=" + classes + " batch=" + batch);
                    }
                }
            }
        }
    }

    /**
     * The softmax family allocates nothing per row once compiled: heap bytes of one call over 256 and
     * over 4,096 rows (28 and 64 classes, the minimum of several calls) differ by less than a byte a
     * row. Vectors that C2 cannot keep in registers are boxed on every row (about 400 bytes a row
     * when the exponential was a method taking a vector, or a vector was carried across a loop
     * iteration). Warm-up rounds run until within the bound or 30 s (C2 compiles in the background).
     */
    @org.junit.jupiter.api.Test
    void crossEntropyGradAllocatesNothingPerRow() {
        assumeVectors();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "needs per-thread allocation counters");
        for (int n : new int[] {28, 64}) {
            int few = 256;
            int many = 4096;
            ByteBuffer m = arena(2 * many * n);
            randomRows(m, new Random(n), 0, n, many, n, 3);
            int[] target = new Random(n + 1).ints(many, 0, n).toArray();
            float[] sums = new float[many];
            long deadline = System.nanoTime() + 30_000_000_000L;
            double perRow;
            do {
                long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
                for (int run = 0; run < 20; run++) {
                    for (int k = 0; k < 2; k++) {
                        int rows = k == 0 ? few : many;
                        long before = threads.getCurrentThreadAllocatedBytes();
                        VectorRows.crossEntropyGrad(m, 0, 4 * many * n, rows, n, target, 1f / rows, true, sums);
                        best[k] = Math.min(best[k], threads.getCurrentThreadAllocatedBytes() - before);
                    }
                }
                perRow = (best[1] - best[0]) / (double) (many - few);
            } while (perRow >= 1 && System.nanoTime() < deadline);
            assertTrue(perRow < 1, "cross_entropy_grad over " + n + " classes allocates " + perRow + " bytes a row");
        }
    }
    @org.junit.jupiter.api.Test
    void sumOfLogsOverBlocksOfProductsMatchesOneLogPerRow() {
        Random rnd = new Random(3);
        for (int n : new int[] {2, 28, 1000, 50_000}) {
            for (int count : new int[] {1, 207, 208, 209, 5000}) {
                float[] x = new float[count];
                double want = 0;
                for (int i = 0; i < count; i++) {
                    // Softmax denominators lie in [1, n]; include both ends.
                    x[i] = i % 97 == 0 ? n : i % 89 == 0 ? 1 : 1 + rnd.nextFloat() * (n - 1);
                    want += Math.log(x[i]);
                }
                double got = VectorRows.sumOfLogs(x, count, n);
                assertTrue(Double.isFinite(got), "n " + n + ", " + count + " rows: " + got);
                close(want, got, 1e-12, "Σ log, n " + n + ", " + count + " rows");
            }
        }
        float[] nan = {2f, Float.NaN, 3f};
        assertTrue(Double.isNaN(VectorRows.sumOfLogs(nan, 3, 28)));
    }

    /**
     * The scalar forms, which serve until the vector forms are compiled and proven (see
     * {@link VectorRows}), give the same bits as the vector forms: every output float, the loss and
     * the row sums, over blocks of rows (300 rows span several staging blocks), with rows of large
     * logits, of -inf entries and of a NaN among ordinary ones.
     */
    @ParameterizedTest(name = "n={0}")
    @MethodSource("positiveLengths")
    void scalarFormsHaveTheBitsOfTheVectorForms(int n) {
        assumeVectors();
        Random rnd = new Random(700 + n);
        for (int rows : new int[] {1, 5, 300}) {
            int logits = 3;
            int out = logits + rows * n + 7;
            int floats = out + rows * n + 3 * L + 16;
            ByteBuffer start = arena(floats);
            randomRows(start, rnd, logits, n, rows, n, 4);
            if (rows > 3) {
                start.putFloat(4 * logits, 95f);                                   // exp overflows unless shifted
                start.putFloat(4 * (logits + n + n / 2), Float.NEGATIVE_INFINITY);
                start.putFloat(4 * (logits + 2 * n + n - 1), Float.NaN);
            }
            int[] target = rnd.ints(rows, 0, n).toArray();
            String what = "n=" + n + " rows=" + rows;
            for (boolean loss : new boolean[] {false, true}) {
                ByteBuffer[] m = {copy(start), copy(start)};
                float[][] sums = {new float[rows], new float[rows]};
                double[] total = new double[2];
                for (int f = 0; f < 2; f++) {
                    total[f] = VectorRows.crossEntropyGrad(new VectorRows.Staged(n, rows), m[f], 4 * logits, 4 * out, rows, n, target, 0.75f, loss, sums[f], f == 0);
                }
                assertSameBits(m[0], m[1], "cross_entropy_grad " + what + " loss=" + loss);
                assertEquals(Double.doubleToLongBits(total[0]), Double.doubleToLongBits(total[1]), "cross_entropy_grad loss, " + what);
                assertSameBits(sums[0], sums[1], "cross_entropy_grad sums, " + what);
                for (int f = 0; f < 2; f++) {
                    total[f] = VectorRows.crossEntropy(m[f], 4 * logits, rows, n, target, sums[f], f == 0);
                }
                assertEquals(Double.doubleToLongBits(total[0]), Double.doubleToLongBits(total[1]), "cross_entropy, " + what);
                assertSameBits(sums[0], sums[1], "cross_entropy sums, " + what);
                for (int f = 0; f < 2; f++) {
                    VectorRows.softmax(m[f], 4 * logits, 4 * n, 4 * out, 4 * n, rows, n, loss, f == 0);
                }
                assertSameBits(m[0], m[1], (loss ? "log_softmax " : "softmax ") + what);
                double[][] acc = {new double[n], new double[n]};
                for (int f = 0; f < 2; f++) {
                    VectorRows.columnSums(m[f], 4 * logits, 4 * n, rows, n, acc[f], new float[n], f == 0);
                    VectorRows.addRow(m[f], 4 * logits, 4 * out, n, f == 0);
                }
                for (int j = 0; j < n; j++) {
                    assertEquals(Double.doubleToLongBits(acc[0][j]), Double.doubleToLongBits(acc[1][j]), "column sum " + j + ", " + what);
                }
                assertSameBits(m[0], m[1], "add_row " + what);
            }
        }
    }

    private static ByteBuffer copy(ByteBuffer m) {
        ByteBuffer c = ByteBuffer.allocateDirect(m.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        c.put(m.duplicate().clear());
        return c.clear();
    }

    private static void assertSameBits(ByteBuffer vector, ByteBuffer scalar, String what) {
        for (int i = 0; i < vector.capacity() / 4; i++) {
            assertEquals(Float.floatToIntBits(vector.getFloat(4 * i)), Float.floatToIntBits(scalar.getFloat(4 * i)), what + ": float " + i + " (lanes " + L + ")");
        }
    }

    private static void assertSameBits(float[] vector, float[] scalar, String what) {
        for (int i = 0; i < vector.length; i++) {
            assertEquals(Float.floatToIntBits(vector[i]), Float.floatToIntBits(scalar[i]), what + ": " + i);
        }
    }
}
