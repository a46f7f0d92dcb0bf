package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;

/**
 * {@code c += Aᵀ·B} over a range of k for a long k and a small C: the weight gradient of a
 * recurrent weight that accumulation sinking turned into one product after the backward loop
 * ({@code dW_hh = Σ_t dgates_tᵀ·h_t}, the d2l RNN's 32×32 over k = 32,768). OpenBLAS ran that shape
 * at about 37 GFLOP/s per core, packing both operands first. Here chunks of {@link #CHUNK} rows of
 * A and B are copied to the heap (a bulk copy; the Vector API reads a heap array at half the cost
 * of the arena) and multiplied in register blocks of 8 rows × 2 vectors of C on 512-bit vectors
 * (16 accumulators in AVX-512's 32 registers; 4 rows otherwise and for a remainder), each element one
 * k-ordered chain of fused multiply-adds {@code c = fma(a_ri, b_rj, c)} carried across the chunks.
 * The scalar form ({@link #vectorReady()} false: until C2 has compiled the vector one, which runs
 * 50–100× slower in the interpreter and C1) computes the same chains, so the bits are the same
 * whichever serves, in any JIT tier and on any vector width.
 *
 * <pre>{@code
 * float[] c = new float[m * n];                 // c += Aᵀ·B for rows [0, k) of A (k×m) and B (k×n)
 * new LongKGemm(floats, m, n).accumulate(aAt, lda, bAt, ldb, 0, k, c, LongKGemm.vectorReady());
 * }</pre>
 */
final class LongKGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Columns of C per register block: two vectors. */
    static final int NR = 2 * L;
    /** Rows of C per register block. */
    static final int MR = 4;
    /** Rows of k per copy to the heap: A and B chunks of 32 columns are 32 KB each. */
    static final int CHUNK = 256;

    /** Whether the kernel is on: {@code -Dspool.longKGemm=false} leaves these products to OpenBLAS. */
    static final boolean ENABLED = !"false".equals(System.getProperty("spool.longKGemm"));

    private final FloatBuffer floats;
    private final int m;
    private final int n;
    private final float[] a;
    private final float[] b;

    /** Multiplies operands in {@code floats} (the arena as floats) into an m×n C; its chunk arrays are its own (one per thread). */
    LongKGemm(FloatBuffer floats, int m, int n) {
        this.floats = floats;
        this.m = m;
        this.n = n;
        this.a = new float[CHUNK * m];
        this.b = new float[CHUNK * n];
    }

    /**
     * Whether a product suits this kernel (and the kernel is on): F32, {@code Aᵀ·B} (A transposed, B not), one matrix, m a
     * multiple of {@link #MR} and n of {@link #NR}, C of at most 16,384 elements (kept in a heap
     * array), and k at least 16 times the larger side (else OpenBLAS's blocking pays off).
     */
    static boolean suits(DType dtype, boolean transA, boolean transB, int batch, int m, int n, int k) {
        return ENABLED && dtype == DType.F32 && transA && !transB && batch == 1 && m > 0 && n > 0 && m % MR == 0 && n % NR == 0 && (long) m * n <= 16384
                && k >= 16 * Math.max(m, n);
    }

    /**
     * {@code c[i·n + j] = fma(A[r][i], B[r][j], c[i·n + j])} for r from k0 up to k1, A's row r at float
     * index {@code aAt + r·lda}, B's at {@code bAt + r·ldb}.
     */
    void accumulate(int aAt, int lda, int bAt, int ldb, int k0, int k1, float[] c, boolean vector) {
        for (int r0 = k0; r0 < k1; r0 += CHUNK) {
            int rows = Math.min(CHUNK, k1 - r0);
            copy(aAt + r0 * lda, lda, a, m, rows);
            copy(bAt + r0 * ldb, ldb, b, n, rows);
            for (int i = 0; i < m; i += MR) {
                boolean eight = vector && L >= 16 && i % 8 == 0 && i + 8 <= m;
                for (int j = 0; j < n; j += NR) {
                    if (eight) {
                        block8(a, b, c, rows, m, n, i, j);
                    } else if (vector) {
                        block(a, b, c, rows, m, n, i, j);
                    } else {
                        blockScalar(a, b, c, rows, m, n, i, j);
                    }
                }
                if (eight) {
                    i += MR;
                }
            }
        }
    }

    private void copy(int at, int ld, float[] to, int width, int rows) {
        if (ld == width) {
            floats.get(at, to, 0, rows * width);
            return;
        }
        for (int r = 0; r < rows; r++) {
            floats.get(at + r * ld, to, r * width, width);
        }
    }

    private static void block(float[] a, float[] b, float[] c, int rows, int m, int n, int i, int j) {
        int o = i * n + j;
        FloatVector c00 = FloatVector.fromArray(S, c, o);
        FloatVector c01 = FloatVector.fromArray(S, c, o + L);
        FloatVector c10 = FloatVector.fromArray(S, c, o + n);
        FloatVector c11 = FloatVector.fromArray(S, c, o + n + L);
        FloatVector c20 = FloatVector.fromArray(S, c, o + 2 * n);
        FloatVector c21 = FloatVector.fromArray(S, c, o + 2 * n + L);
        FloatVector c30 = FloatVector.fromArray(S, c, o + 3 * n);
        FloatVector c31 = FloatVector.fromArray(S, c, o + 3 * n + L);
        for (int r = 0, ar = i, br = j; r < rows; r++, ar += m, br += n) {
            FloatVector w0 = FloatVector.fromArray(S, b, br);
            FloatVector w1 = FloatVector.fromArray(S, b, br + L);
            FloatVector x = FloatVector.broadcast(S, a[ar]);
            c00 = w0.fma(x, c00);
            c01 = w1.fma(x, c01);
            x = FloatVector.broadcast(S, a[ar + 1]);
            c10 = w0.fma(x, c10);
            c11 = w1.fma(x, c11);
            x = FloatVector.broadcast(S, a[ar + 2]);
            c20 = w0.fma(x, c20);
            c21 = w1.fma(x, c21);
            x = FloatVector.broadcast(S, a[ar + 3]);
            c30 = w0.fma(x, c30);
            c31 = w1.fma(x, c31);
        }
        c00.intoArray(c, o);
        c01.intoArray(c, o + L);
        c10.intoArray(c, o + n);
        c11.intoArray(c, o + n + L);
        c20.intoArray(c, o + 2 * n);
        c21.intoArray(c, o + 2 * n + L);
        c30.intoArray(c, o + 3 * n);
        c31.intoArray(c, o + 3 * n + L);
    }

    /** As {@link #block} for 8 rows: 16 accumulators, which fit the 32 vector registers of AVX-512. */
    private static void block8(float[] a, float[] b, float[] c, int rows, int m, int n, int i, int j) {
        int o = i * n + j;
        FloatVector c00 = FloatVector.fromArray(S, c, o);
        FloatVector c01 = FloatVector.fromArray(S, c, o + L);
        FloatVector c10 = FloatVector.fromArray(S, c, o + n);
        FloatVector c11 = FloatVector.fromArray(S, c, o + n + L);
        FloatVector c20 = FloatVector.fromArray(S, c, o + 2 * n);
        FloatVector c21 = FloatVector.fromArray(S, c, o + 2 * n + L);
        FloatVector c30 = FloatVector.fromArray(S, c, o + 3 * n);
        FloatVector c31 = FloatVector.fromArray(S, c, o + 3 * n + L);
        FloatVector c40 = FloatVector.fromArray(S, c, o + 4 * n);
        FloatVector c41 = FloatVector.fromArray(S, c, o + 4 * n + L);
        FloatVector c50 = FloatVector.fromArray(S, c, o + 5 * n);
        FloatVector c51 = FloatVector.fromArray(S, c, o + 5 * n + L);
        FloatVector c60 = FloatVector.fromArray(S, c, o + 6 * n);
        FloatVector c61 = FloatVector.fromArray(S, c, o + 6 * n + L);
        FloatVector c70 = FloatVector.fromArray(S, c, o + 7 * n);
        FloatVector c71 = FloatVector.fromArray(S, c, o + 7 * n + L);
        for (int r = 0, ar = i, br = j; r < rows; r++, ar += m, br += n) {
            FloatVector w0 = FloatVector.fromArray(S, b, br);
            FloatVector w1 = FloatVector.fromArray(S, b, br + L);
            FloatVector x = FloatVector.broadcast(S, a[ar]);
            c00 = w0.fma(x, c00);
            c01 = w1.fma(x, c01);
            x = FloatVector.broadcast(S, a[ar + 1]);
            c10 = w0.fma(x, c10);
            c11 = w1.fma(x, c11);
            x = FloatVector.broadcast(S, a[ar + 2]);
            c20 = w0.fma(x, c20);
            c21 = w1.fma(x, c21);
            x = FloatVector.broadcast(S, a[ar + 3]);
            c30 = w0.fma(x, c30);
            c31 = w1.fma(x, c31);
            x = FloatVector.broadcast(S, a[ar + 4]);
            c40 = w0.fma(x, c40);
            c41 = w1.fma(x, c41);
            x = FloatVector.broadcast(S, a[ar + 5]);
            c50 = w0.fma(x, c50);
            c51 = w1.fma(x, c51);
            x = FloatVector.broadcast(S, a[ar + 6]);
            c60 = w0.fma(x, c60);
            c61 = w1.fma(x, c61);
            x = FloatVector.broadcast(S, a[ar + 7]);
            c70 = w0.fma(x, c70);
            c71 = w1.fma(x, c71);
        }
        c00.intoArray(c, o);
        c01.intoArray(c, o + L);
        c10.intoArray(c, o + n);
        c11.intoArray(c, o + n + L);
        c20.intoArray(c, o + 2 * n);
        c21.intoArray(c, o + 2 * n + L);
        c30.intoArray(c, o + 3 * n);
        c31.intoArray(c, o + 3 * n + L);
        c40.intoArray(c, o + 4 * n);
        c41.intoArray(c, o + 4 * n + L);
        c50.intoArray(c, o + 5 * n);
        c51.intoArray(c, o + 5 * n + L);
        c60.intoArray(c, o + 6 * n);
        c61.intoArray(c, o + 6 * n + L);
        c70.intoArray(c, o + 7 * n);
        c71.intoArray(c, o + 7 * n + L);
    }

    /**
     * The same chains as {@link #block} in scalar code: a row of C at a time, its {@link #NR}
     * independent chains advanced together (one chain per element, k in order, as in the vector
     * form). One element's whole chain at a time was a single dependent FMA chain, about 2 GFLOP/s.
     */
    private static void blockScalar(float[] a, float[] b, float[] c, int rows, int m, int n, int i, int j) {
        for (int ii = i; ii < i + MR; ii++) {
            int o = ii * n + j;
            for (int r = 0; r < rows; r++) {
                float x = a[r * m + ii];
                int br = r * n + j;
                for (int jj = 0; jj < NR; jj++) {
                    c[o + jj] = Math.fma(x, b[br + jj], c[o + jj]);
                }
            }
        }
    }

    private static final ProvenVectorForm VECTOR = new ProvenVectorForm("spool-longk-warmup", LongKGemm::warm);

    /** Whether the vector form serves (see {@link ProvenVectorForm}). */
    static boolean vectorReady() {
        return VECTOR.ready();
    }

    /** Starts the background warm-up (once per JVM): when a program with such a product is prepared. */
    static void startWarmup() {
        VECTOR.start();
    }

    /**
     * Short products until C2 has compiled the vector form (many calls), then both forms timed until
     * the vector one wins twice or 4 s pass. The timed products are short too (32 rows of k, eight
     * calls): a long one was finished by an on-stack-replacement compilation of the row loop, which
     * proved the vector form while calls from the start still ran its C1 code (the Vector API's
     * fallback, 25× slower than the scalar form): in the d2l model's first epoch a fifth of the main
     * thread's samples, over 0.7 s, were there. The scalar form runs as often as the vector one, so
     * that it is compiled as far when they are timed (see {@link PackedGemm}'s warm-up).
     */
    private static void warm() {
        int m = 3 * MR; // an 8-row block and a 4-row one: the JIT compiles the methods that will run
        int n = NR;
        FloatBuffer f = FloatBuffer.allocate(CHUNK * (m + n));
        for (int i = 0; i < f.capacity(); i++) {
            f.put(i, 0.5f);
        }
        LongKGemm g = new LongKGemm(f, m, n);
        float[] c = new float[m * n];
        ProvenVectorForm.prove(() -> {
            for (int r = 0; r < 100; r++) {
                g.accumulate(0, m, CHUNK * m, n, 0, 8, c, true);
                g.accumulate(0, m, CHUNK * m, n, 0, 8, c, false);
            }
        }, () -> {
            for (int r = 0; r < 8; r++) {
                g.accumulate(0, m, CHUNK * m, n, 0, 32, c, true);
            }
        }, () -> {
            for (int r = 0; r < 8; r++) {
                g.accumulate(0, m, CHUNK * m, n, 0, 32, c, false);
            }
        });
    }
}
