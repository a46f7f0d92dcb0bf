package dev.spool.runtime.internal.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * An F32 GEMM {@code C = A·op(B) + beta·C} inside a scan loop whose {@code B} is a loop invariant
 * (the recurrent weight): {@code B} is packed once per run of the loop into panels of
 * {@code 4 × lanes} columns ({@code 2 × lanes} on narrow vectors), and every step multiplies against the packed copy with a
 * register-blocked Vector API kernel (6 rows × 4 vectors of accumulators on 512-bit vectors, 4 rows
 * × 2 vectors on narrower ones). OpenBLAS packs the weight again at every call and runs a 32-row product at a
 * third of its large-matrix rate; on this project's Zen 5 machine the packed kernel ran the
 * (32×256)·(256×1024) step at about 190 GFLOP/s on one core, against OpenBLAS's 120 on two
 * (OpenBLAS pinned to its Haswell kernels by {@code OPENBLAS_CORETYPE}, as that machine's environment
 * sets it; see {@link Blas#coreTypeWarning()}). The
 * calling thread and {@link SecondCore} share each step's panels: 400 GFLOP/s on two cores for the
 * same step measured alone.
 *
 * <p>Every element is the k-ordered chain of fused multiply-adds {@code c = fma(a_ik, b_kj, c)}
 * from zero, in the vector kernel and in the scalar one alike, so the result has the same bits
 * whichever serves, on any vector width and in any JIT tier. The scalar form serves until the
 * vector one is compiled ({@link #vectorReady()}), since a Vector API loop run by the interpreter
 * or C1 allocates per operation and runs 50–100× slower.
 *
 * <pre>{@code
 * // C (32×1024) = A (32×256) · Bᵀ, B stored 1024×256 (a PyTorch recurrent weight)
 * PackedGemm g = new PackedGemm(mem, a, b, c, true, 32, 1024, 256, 256, 256, 1024, 0);
 * g.pack(loop);          // once, before the loop
 * g.run(loop);           // every step
 * }</pre>
 */
public final class PackedGemm implements Exec {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** 512-bit vectors or wider: 32 vector registers (AVX-512), against 16 on narrower ones (AVX2). */
    private static final boolean WIDE = L >= 16;
    /**
     * Panel width: four vectors on wide vectors, two on narrow ones. Register blocks: 6 rows × 4
     * vectors of accumulators and the 4 vectors of B take 28 of AVX-512's 32 registers; 4 rows × 2
     * vectors fit in AVX2's 16. Each step of k loads the block's vectors of B and broadcasts one A
     * value per row, and these loads, not the FMAs, bound the kernel: 6×4 does 24 FMAs per 10 loads
     * where 8×2, the block before, did 16 per 10 (one core, the LSTM H256 step's 32×256·256×1024:
     * 107–120 GFLOP/s against 96–109, 120–150 on 30 rows, which need no 2-row block; the FMAs alone
     * run at about 210). With 256-bit vectors 2×4 ran 15 % slower than 4×2, so they keep 4×2.
     */
    static final int NR = (WIDE ? 4 : 2) * L;
    private static final int TRANSPOSE_BLOCK = 64;
    /** Fewest columns a product needs to run packed (eight vectors); see {@link #suits}. */
    static final int MIN_COLUMNS = 8 * L;
    /**
     * Panels per chunk of work handed between the two cores (about 10 µs for 32 rows of k = 256 on
     * wide vectors); one panel per chunk was no faster for the LSTM H256 step.
     */
    private static final int CHUNK = 2;
    /**
     * The slice of k that every row group of a panel runs before the next slice: 128 values of k
     * take 32 KB of a 4-vector panel, which stays in L1 (48 KB here) while the panel's row groups
     * read it, where a whole panel (64 KB at k = 256, 1 MB at k = 4096) came from L2 for every row
     * group. Between slices each block stores its accumulators and reloads them, 48 loads and
     * stores per 3,072 FMAs. One core, C2-compiled, median of six rounds (GFLOP/s, whole k against
     * slices of 64, 96, 128 and 160): the LSTM H256 step's forward product 140 against 151–159
     * (8-row parts as in an epilogue: 120 against 128–134), the GRU H256's 127 against 140–146,
     * the LSTM H1024's forward 121 against 123–130 and its backward (k = 4096) 100 against 120–123;
     * the H256 backward products (k = 768, 1024, few panels) 146–151 either way.
     */
    static final int KB = 128;

    private final FloatBuffer floats;
    private final Address a;
    private final Address b;
    private final Address c;
    private final boolean transB;
    private final int m;
    private final int n;
    private final int k;
    private final int lda;
    private final int ldb;
    private final int ldc;
    private final float beta;
    private final int panels;
    private final float[] packed;
    /** The rows of A, each its own array (see {@link #packRows}). */
    private final float[][] aRows;
    private final float[] cRows;
    private final float[] old;
    private final java.util.function.IntConsumer multiplyChunk;
    /** Kernels run on each chunk's columns as it is finished (null: none); set before the first pack. */
    private GemmEpilogue epilogue;
    private java.util.function.IntConsumer multiplyChunkAndEpilogue;
    /** Set by {@link #run} before the halves start (the hand-over publishes them to the helper). */
    private boolean vector;
    private int cBase;

    PackedGemm(ByteBuffer mem, Address a, Address b, Address c, boolean transB, int m, int n, int k, int lda, int ldb, int ldc,
               double beta) {
        this.floats = mem.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.a = a;
        this.b = b;
        this.c = c;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.lda = lda;
        this.ldb = ldb;
        this.ldc = ldc;
        this.beta = (float) beta;
        this.panels = (n + NR - 1) / NR;
        this.packed = new float[panels * k * NR];
        this.aRows = new float[m][k];
        this.cRows = new float[m * panels * NR];
        this.old = beta == 0 ? null : new float[n];
        this.multiplyChunk = chunk -> multiplyAndStore(chunk * CHUNK, Math.min(panels, chunk * CHUNK + CHUNK));
    }

    /**
     * Runs {@code e}'s kernels in this product's chunks: a chunk is a part of the rows, multiplied
     * against every panel, stored, and then run through the kernels. Call before the loop's first run.
     */
    void epilogue(GemmEpilogue e) {
        if (beta != 0) {
            // Chunks of rows would share the scratch of C's old columns.
            throw new IllegalArgumentException("an epilogue needs beta = 0, got " + beta);
        }
        this.epilogue = e;
        int[] rows = e.rowParts();
        if (rows[0] != 0 || rows[rows.length - 1] != m) {
            throw new IllegalArgumentException("an epilogue's row parts must cover rows 0.." + m + ", got " + java.util.Arrays.toString(rows));
        }
        this.multiplyChunkAndEpilogue = chunk -> {
            multiplyAndStore(rows[chunk], rows[chunk + 1], 0, panels);
            epilogue.run(chunk);
        };
        EPILOGUE_KERNELS.addAndGet(e.size());
    }

    /**
     * Whether a product of this size may take an epilogue: its packed weight fits in half of a core's
     * L2 cache. A chunk multiplies its rows against every panel, so each core reads the whole weight
     * per chunk: from its L2 for the H256 cells' 1 MiB (this machine's L2 is 2 MiB), but from L3, four
     * times a step, for the LSTM H1024's 16 MiB, whose forward pass took 339–347 ms with an epilogue
     * against 270–280 without (two alternating rounds).
     */
    static boolean epilogueFits(int n, int k) {
        return 4L * k * ((n + NR - 1) / NR * NR) <= L2_BYTES / 2;
    }

    /** A core's L2 cache in bytes, from Linux's {@code /sys}; 1 MiB where it cannot be read. */
    static final long L2_BYTES = l2Bytes();

    private static long l2Bytes() {
        try {
            String size = java.nio.file.Files.readString(java.nio.file.Path.of("/sys/devices/system/cpu/cpu0/cache/index2/size")).trim();
            long unit = size.endsWith("K") ? 1L << 10 : size.endsWith("M") ? 1L << 20 : 1;
            return Long.parseLong(size.replaceAll("[KM]$", "")) * unit;
        } catch (java.io.IOException | RuntimeException e) {
            return 1L << 20;
        }
    }

    /** Default parts of the rows for an epilogue (see {@link #rowParts}). */
    static final int ROW_PARTS = Integer.getInteger("spool.gemmEpilogueParts", 4);

    /**
     * Where an epilogue's chunks cut the m rows: into {@link #ROW_PARTS} parts of about equal size
     * (even, so that 2-row register blocks need no 1-row tail), fewer when a part would have under 6
     * rows; null when not even two parts fit. Four parts, not two: a helper that joins late (the OS
     * runs a JIT thread on the other core) then costs at most a quarter of the step, and the LSTM
     * H256 forward pass with two parts was slower in one of five rounds by half.
     */
    static int[] rowParts(int m) {
        int parts = Math.min(ROW_PARTS, m / 6);
        if (parts < 2) {
            return null;
        }
        int[] cut = new int[parts + 1];
        for (int q = 1; q < parts; q++) {
            cut[q] = (m * q / parts + 1) / 2 * 2;
        }
        cut[parts] = m;
        return cut;
    }

    /** How many kernels run in this product's chunks (0: none). */
    int epilogueKernelCount() {
        return epilogue == null ? 0 : epilogue.size();
    }

    private static final java.util.concurrent.atomic.AtomicLong EPILOGUE_KERNELS = new java.util.concurrent.atomic.AtomicLong();

    /** How many kernels programs built in this JVM run in a packed product's chunks ({@link GemmEpilogue}): for tests. */
    public static long epilogueKernels() {
        return EPILOGUE_KERNELS.get();
    }

    /** The largest B (k×n floats, in bytes) run packed: 16 MiB, the largest measured (the LSTM H1024's). */
    static final long MAX_PACKED_BYTES = 16L << 20;

    /**
     * Whether the packed form suits this product: F32, A not transposed, one matrix (no batch), and
     * at least {@link #MIN_COLUMNS} columns. A is copied at every step, so with few columns the copy
     * outweighs what packing B saves: the d2l RNN's (1024×32)·(32×32) step took 34–39 µs packed
     * against 25 in OpenBLAS. And B packed at most {@link #MAX_PACKED_BYTES}: a weight past the L2
     * caches streams from L3 at every step, packed or not, and was first left to OpenBLAS, which was
     * faster than the 8 × 2 block there (the LSTM H1024's 16 MiB: 263–267 ms a forward pass against
     * 279–294); with the 6 × 4 block the packed product is faster (its steps' forward products
     * 2.2–2.5 ms against 2.55–2.7, the backward 2.6 against 3.2). Larger weights were not measured.
     */
    static boolean suits(boolean transA, int batch, int m, int n, int k) {
        return !transA && batch == 1 && m > 0 && n >= MIN_COLUMNS && k > 0 && (long) m * k < Integer.MAX_VALUE / 2
                && 4L * k * n <= MAX_PACKED_BYTES
                && (long) ((n + NR - 1) / NR) * k * NR < Integer.MAX_VALUE / 2;
    }

    private static final java.util.concurrent.atomic.AtomicLong PACKS = new java.util.concurrent.atomic.AtomicLong();

    /** How many times any packed GEMM has packed its B in this JVM (once per run of its loop): for tests. */
    public static long packs() {
        return PACKS.get();
    }

    /** The step that packs {@code B} at the start of each run of the loop. */
    Exec packer() {
        return this::pack;
    }

    /**
     * Copies {@code op(B)} (k×n) into panels: {@code packed[(p·k + kk)·NR + j] = op(B)[kk][p·NR + j]}, zero past n;
     * half of the panels on each core.
     */
    void pack(int[] loop) {
        PACKS.incrementAndGet();
        int base = b.at(loop) >> 2;
        SecondCore.forEach(chunks(), chunk -> packPanels(base, chunk * CHUNK, Math.min(panels, chunk * CHUNK + CHUNK)));
    }

    private int chunks() {
        return (panels + CHUNK - 1) / CHUNK;
    }

    private void packPanels(int base, int p0, int p1) {
        if (!transB) {
            for (int p = p0; p < p1; p++) {
                int cols = Math.min(NR, n - p * NR);
                for (int kk = 0; kk < k; kk++) {
                    floats.get(base + kk * ldb + p * NR, packed, (p * k + kk) * NR, cols);
                }
            }
        } else {
            // B is stored n×k: a panel's columns are NR stored rows. Transpose them 64 values of k at a
            // time, so the writes (NR floats apart) stay within 8 KB while the reads are contiguous.
            float[] row = new float[TRANSPOSE_BLOCK];
            for (int p = p0; p < p1; p++) {
                int cols = Math.min(NR, n - p * NR);
                for (int k0 = 0; k0 < k; k0 += TRANSPOSE_BLOCK) {
                    int len = Math.min(TRANSPOSE_BLOCK, k - k0);
                    for (int col = 0; col < cols; col++) {
                        floats.get(base + (p * NR + col) * ldb + k0, row, 0, len);
                        int at = (p * k + k0) * NR + col;
                        for (int t = 0; t < len; t++) {
                            packed[at + t * NR] = row[t];
                        }
                    }
                }
            }
        }
    }

    /**
     * Copies A into {@code aRows}: one bulk copy per row, each row into its own array. Separate
     * arrays let the kernels read each row's value of A at the loop counter, from the row's own base
     * register: with one array and a row stride, C2 recomputed six row offsets (spilled to the stack)
     * at every step of k, 22 scalar instructions beside the block's 24 FMAs, and the 6 × 4 block ran
     * the LSTM H256 step's product at 128 GFLOP/s on one core against 143 with row arrays (alone, the
     * same bits). Arrays of k floats lie 16 bytes more than k floats apart, so rows of 4 KB
     * (k = 1024) do not alias in L1, which the single array's 16 floats of padding per row were for.
     * (An earlier layout interleaved each group of rows by k; the copy's scattered stores took 33 µs
     * per backward step of the LSTM H256, more than half its product.)
     */
    private void packRows(int aBase) {
        for (int i = 0; i < m; i++) {
            floats.get(aBase + i * lda, aRows[i], 0, k);
        }
    }

    /** The rows the kernel takes at once from row i: 6, 2 or 1 on wide vectors, 4 or 1 on narrow ones. */
    static int groupAt(int i, int m) {
        if (WIDE) {
            return i + 6 <= m ? 6 : i + 2 <= m ? 2 : 1;
        }
        return i + 4 <= m ? 4 : 1;
    }

    /**
     * One step: A is copied, then both cores take chunks of {@link #CHUNK} panels, multiply them and
     * store their columns of C (chunks share no element, so the bits do not depend on who ran which).
     */
    public void run(int[] loop) {
        packRows(a.at(loop) >> 2);
        vector = vectorReady();
        cBase = c.at(loop) >> 2;
        if (epilogue == null) {
            SecondCore.forEach(chunks(), multiplyChunk);
            return;
        }
        epilogue.prepare(loop);
        int chunks = epilogue.rowParts().length - 1;
        if (epilogue.provisional()) {
            // While a kernel's stand-in serves, the JIT holds the other core (see KernelExec).
            for (int chunk = 0; chunk < chunks; chunk++) {
                multiplyChunkAndEpilogue.accept(chunk);
            }
        } else {
            SecondCore.forEach(chunks, multiplyChunkAndEpilogue);
        }
    }

    private void multiplyAndStore(int p0, int p1) {
        multiplyAndStore(0, m, p0, p1);
    }

    /** Rows {@code [i0, i1)} of panels {@code [p0, p1)}: multiplied, then stored. */
    private void multiplyAndStore(int i0, int i1, int p0, int p1) {
        if (vector) {
            multiplyVector(aRows, packed, cRows, i0, i1, k, panels, p0, p1);
        } else {
            multiplyScalar(aRows, packed, cRows, i0, i1, k, panels, p0, p1);
        }
        int width = panels * NR;
        int j0 = p0 * NR;
        int cols = Math.min(n, p1 * NR) - j0;
        for (int i = i0; i < i1; i++) {
            int at = cBase + i * ldc + j0;
            if (beta == 0) {
                floats.put(at, cRows, i * width + j0, cols);
            } else {
                floats.get(at, old, j0, cols);
                for (int j = j0; j < j0 + cols; j++) {
                    old[j] = cRows[i * width + j] + beta * old[j];
                }
                floats.put(at, old, j0, cols);
            }
        }
    }

    /**
     * {@code c[i][p·NR + j] = Σ_kk a[i][kk] · packed[p][kk][j]} for panels {@code [p0, p1)}, as a chain of
     * FMAs in kk order; {@code c} has {@code panels·NR} columns.
     */
    static void multiplyVector(float[][] a, float[] packed, float[] c, int m, int k, int panels, int p0, int p1) {
        multiplyVector(a, packed, c, 0, m, k, panels, p0, p1);
    }

    /** {@link #multiplyVector(float[][], float[], float[], int, int, int, int, int)} for rows {@code [i0, m)} only. */
    static void multiplyVector(float[][] a, float[] packed, float[] c, int i0, int m, int k, int panels, int p0, int p1) {
        int width = panels * NR;
        for (int p = p0; p < p1; p++) {
            for (int k0 = 0; k0 < k; k0 += KB) {
                int k1 = Math.min(k, k0 + KB);
                int i = i0;
                while (i < m) {
                    int g = groupAt(i, m);
                    if (g == 6) {
                        block6x4(a, packed, c, k, width, p, i, k0, k1);
                    } else if (g == 4) {
                        block4x2(a, packed, c, k, width, p, i, k0, k1);
                    } else if (WIDE) {
                        if (g == 2) {
                            block2x4(a, packed, c, k, width, p, i, k0, k1);
                        } else {
                            block1x4(a, packed, c, k, width, p, i, k0, k1);
                        }
                    } else {
                        block1x2(a, packed, c, k, width, p, i, k0, k1);
                    }
                    i += g;
                }
            }
        }
    }

    /**
     * A block's accumulator at the start of a slice of k: zero at the first slice, otherwise the
     * partial sum the slice before stored. A stored float is reloaded exactly, so the element's
     * chain of FMAs is the same as in one pass over k.
     */
    private static FloatVector acc(float[] c, int at, int k0) {
        return k0 == 0 ? FloatVector.zero(SPECIES) : FloatVector.fromArray(SPECIES, c, at);
    }

    // The blocks are written out rather than one method over an array of
    // accumulators: C2 keeps named vector locals in registers, but boxes vectors stored in an array.
    // Every index is the loop counter plus an invariant, so C2 can take the bounds checks out of the loop.
    private static void block6x4(float[][] a, float[] packed, float[] c, int k, int width, int p, int i, int k0, int k1) {
        int o = i * width + p * NR;
        FloatVector c00 = acc(c, o, k0), c01 = acc(c, o + L, k0), c02 = acc(c, o + 2 * L, k0), c03 = acc(c, o + 3 * L, k0);
        FloatVector c10 = acc(c, o + width, k0), c11 = acc(c, o + width + L, k0), c12 = acc(c, o + width + 2 * L, k0), c13 = acc(c, o + width + 3 * L, k0);
        FloatVector c20 = acc(c, o + 2 * width, k0), c21 = acc(c, o + 2 * width + L, k0), c22 = acc(c, o + 2 * width + 2 * L, k0), c23 = acc(c, o + 2 * width + 3 * L, k0);
        FloatVector c30 = acc(c, o + 3 * width, k0), c31 = acc(c, o + 3 * width + L, k0), c32 = acc(c, o + 3 * width + 2 * L, k0), c33 = acc(c, o + 3 * width + 3 * L, k0);
        FloatVector c40 = acc(c, o + 4 * width, k0), c41 = acc(c, o + 4 * width + L, k0), c42 = acc(c, o + 4 * width + 2 * L, k0), c43 = acc(c, o + 4 * width + 3 * L, k0);
        FloatVector c50 = acc(c, o + 5 * width, k0), c51 = acc(c, o + 5 * width + L, k0), c52 = acc(c, o + 5 * width + 2 * L, k0), c53 = acc(c, o + 5 * width + 3 * L, k0);
        int w0 = p * k * NR;
        float[] a0 = a[i];
        float[] a1 = a[i + 1];
        float[] a2 = a[i + 2];
        float[] a3 = a[i + 3];
        float[] a4 = a[i + 4];
        float[] a5 = a[i + 5];
        for (int kk = k0; kk < k1; kk++) {
            int w = w0 + kk * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, packed, w);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packed, w + L);
            FloatVector b2 = FloatVector.fromArray(SPECIES, packed, w + 2 * L);
            FloatVector b3 = FloatVector.fromArray(SPECIES, packed, w + 3 * L);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a0[kk]);
            c00 = b0.fma(x0, c00); c01 = b1.fma(x0, c01); c02 = b2.fma(x0, c02); c03 = b3.fma(x0, c03);
            FloatVector x1 = FloatVector.broadcast(SPECIES, a1[kk]);
            c10 = b0.fma(x1, c10); c11 = b1.fma(x1, c11); c12 = b2.fma(x1, c12); c13 = b3.fma(x1, c13);
            FloatVector x2 = FloatVector.broadcast(SPECIES, a2[kk]);
            c20 = b0.fma(x2, c20); c21 = b1.fma(x2, c21); c22 = b2.fma(x2, c22); c23 = b3.fma(x2, c23);
            FloatVector x3 = FloatVector.broadcast(SPECIES, a3[kk]);
            c30 = b0.fma(x3, c30); c31 = b1.fma(x3, c31); c32 = b2.fma(x3, c32); c33 = b3.fma(x3, c33);
            FloatVector x4 = FloatVector.broadcast(SPECIES, a4[kk]);
            c40 = b0.fma(x4, c40); c41 = b1.fma(x4, c41); c42 = b2.fma(x4, c42); c43 = b3.fma(x4, c43);
            FloatVector x5 = FloatVector.broadcast(SPECIES, a5[kk]);
            c50 = b0.fma(x5, c50); c51 = b1.fma(x5, c51); c52 = b2.fma(x5, c52); c53 = b3.fma(x5, c53);
        }
        c00.intoArray(c, o); c01.intoArray(c, o + L); c02.intoArray(c, o + 2 * L); c03.intoArray(c, o + 3 * L);
        c10.intoArray(c, o + width); c11.intoArray(c, o + width + L); c12.intoArray(c, o + width + 2 * L); c13.intoArray(c, o + width + 3 * L);
        c20.intoArray(c, o + 2 * width); c21.intoArray(c, o + 2 * width + L); c22.intoArray(c, o + 2 * width + 2 * L); c23.intoArray(c, o + 2 * width + 3 * L);
        c30.intoArray(c, o + 3 * width); c31.intoArray(c, o + 3 * width + L); c32.intoArray(c, o + 3 * width + 2 * L); c33.intoArray(c, o + 3 * width + 3 * L);
        c40.intoArray(c, o + 4 * width); c41.intoArray(c, o + 4 * width + L); c42.intoArray(c, o + 4 * width + 2 * L); c43.intoArray(c, o + 4 * width + 3 * L);
        c50.intoArray(c, o + 5 * width); c51.intoArray(c, o + 5 * width + L); c52.intoArray(c, o + 5 * width + 2 * L); c53.intoArray(c, o + 5 * width + 3 * L);
    }

    private static void block2x4(float[][] a, float[] packed, float[] c, int k, int width, int p, int i, int k0, int k1) {
        int o = i * width + p * NR;
        FloatVector c00 = acc(c, o, k0), c01 = acc(c, o + L, k0), c02 = acc(c, o + 2 * L, k0), c03 = acc(c, o + 3 * L, k0);
        FloatVector c10 = acc(c, o + width, k0), c11 = acc(c, o + width + L, k0), c12 = acc(c, o + width + 2 * L, k0), c13 = acc(c, o + width + 3 * L, k0);
        int w0 = p * k * NR;
        float[] a0 = a[i];
        float[] a1 = a[i + 1];
        for (int kk = k0; kk < k1; kk++) {
            int w = w0 + kk * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, packed, w);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packed, w + L);
            FloatVector b2 = FloatVector.fromArray(SPECIES, packed, w + 2 * L);
            FloatVector b3 = FloatVector.fromArray(SPECIES, packed, w + 3 * L);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a0[kk]);
            c00 = b0.fma(x0, c00); c01 = b1.fma(x0, c01); c02 = b2.fma(x0, c02); c03 = b3.fma(x0, c03);
            FloatVector x1 = FloatVector.broadcast(SPECIES, a1[kk]);
            c10 = b0.fma(x1, c10); c11 = b1.fma(x1, c11); c12 = b2.fma(x1, c12); c13 = b3.fma(x1, c13);
        }
        c00.intoArray(c, o); c01.intoArray(c, o + L); c02.intoArray(c, o + 2 * L); c03.intoArray(c, o + 3 * L);
        c10.intoArray(c, o + width); c11.intoArray(c, o + width + L); c12.intoArray(c, o + width + 2 * L); c13.intoArray(c, o + width + 3 * L);
    }

    private static void block1x4(float[][] a, float[] packed, float[] c, int k, int width, int p, int i, int k0, int k1) {
        int o = i * width + p * NR;
        FloatVector c00 = acc(c, o, k0), c01 = acc(c, o + L, k0), c02 = acc(c, o + 2 * L, k0), c03 = acc(c, o + 3 * L, k0);
        int w0 = p * k * NR;
        float[] a0 = a[i];
        for (int kk = k0; kk < k1; kk++) {
            int w = w0 + kk * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, packed, w);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packed, w + L);
            FloatVector b2 = FloatVector.fromArray(SPECIES, packed, w + 2 * L);
            FloatVector b3 = FloatVector.fromArray(SPECIES, packed, w + 3 * L);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a0[kk]);
            c00 = b0.fma(x0, c00); c01 = b1.fma(x0, c01); c02 = b2.fma(x0, c02); c03 = b3.fma(x0, c03);
        }
        c00.intoArray(c, o); c01.intoArray(c, o + L); c02.intoArray(c, o + 2 * L); c03.intoArray(c, o + 3 * L);
    }

    private static void block4x2(float[][] a, float[] packed, float[] c, int k, int width, int p, int i, int k0, int k1) {
        int o = i * width + p * NR;
        FloatVector c00 = acc(c, o, k0), c01 = acc(c, o + L, k0);
        FloatVector c10 = acc(c, o + width, k0), c11 = acc(c, o + width + L, k0);
        FloatVector c20 = acc(c, o + 2 * width, k0), c21 = acc(c, o + 2 * width + L, k0);
        FloatVector c30 = acc(c, o + 3 * width, k0), c31 = acc(c, o + 3 * width + L, k0);
        int w0 = p * k * NR;
        float[] a0 = a[i];
        float[] a1 = a[i + 1];
        float[] a2 = a[i + 2];
        float[] a3 = a[i + 3];
        for (int kk = k0; kk < k1; kk++) {
            int w = w0 + kk * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, packed, w);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packed, w + L);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a0[kk]);
            c00 = b0.fma(x0, c00); c01 = b1.fma(x0, c01);
            FloatVector x1 = FloatVector.broadcast(SPECIES, a1[kk]);
            c10 = b0.fma(x1, c10); c11 = b1.fma(x1, c11);
            FloatVector x2 = FloatVector.broadcast(SPECIES, a2[kk]);
            c20 = b0.fma(x2, c20); c21 = b1.fma(x2, c21);
            FloatVector x3 = FloatVector.broadcast(SPECIES, a3[kk]);
            c30 = b0.fma(x3, c30); c31 = b1.fma(x3, c31);
        }
        c00.intoArray(c, o); c01.intoArray(c, o + L);
        c10.intoArray(c, o + width); c11.intoArray(c, o + width + L);
        c20.intoArray(c, o + 2 * width); c21.intoArray(c, o + 2 * width + L);
        c30.intoArray(c, o + 3 * width); c31.intoArray(c, o + 3 * width + L);
    }

    private static void block1x2(float[][] a, float[] packed, float[] c, int k, int width, int p, int i, int k0, int k1) {
        int o = i * width + p * NR;
        FloatVector c00 = acc(c, o, k0), c01 = acc(c, o + L, k0);
        int w0 = p * k * NR;
        float[] a0 = a[i];
        for (int kk = k0; kk < k1; kk++) {
            int w = w0 + kk * NR;
            FloatVector x0 = FloatVector.broadcast(SPECIES, a0[kk]);
            c00 = FloatVector.fromArray(SPECIES, packed, w).fma(x0, c00);
            c01 = FloatVector.fromArray(SPECIES, packed, w + L).fma(x0, c01);
        }
        c00.intoArray(c, o); c01.intoArray(c, o + L);
    }

    /**
     * The same products as {@link #multiplyVector}, with the same bits, in scalar code. It serves the
     * first runs, before C2 has compiled the vector kernel: blocks of four rows by four columns,
     * sixteen independent chains in locals, so that a step of k loads eight values for sixteen
     * FMAs. Compiled, it ran the LSTM H256 step's product (32×256·256×1024) at 14 GFLOP/s on one core
     * against 6 for the one row by four columns it replaced, and an artifact's first call took about
     * 0.1 s less.
     */
    static void multiplyScalar(float[][] a, float[] packed, float[] c, int m, int k, int panels, int p0, int p1) {
        multiplyScalar(a, packed, c, 0, m, k, panels, p0, p1);
    }

    /** {@link #multiplyScalar(float[][], float[], float[], int, int, int, int, int)} for rows {@code [i0, m)} only. */
    static void multiplyScalar(float[][] a, float[] packed, float[] c, int i0, int m, int k, int panels, int p0, int p1) {
        int width = panels * NR;
        for (int p = p0; p < p1; p++) {
            int i = i0;
            for (; i + 4 <= m; i += 4) {
                for (int j = 0; j < NR; j += 4) {
                    scalar4x4(a, packed, c, k, width, p * k * NR + j, i, i * width + p * NR + j);
                }
            }
            for (; i < m; i++) {
                for (int j = 0; j < NR; j += 4) {
                    scalar1x4(a[i], packed, c, k, p * k * NR + j, i * width + p * NR + j);
                }
            }
        }
    }

    /** Rows i..i+3, four columns from {@code w} of the packed panel: sixteen chains in locals. */
    private static void scalar4x4(float[][] a, float[] packed, float[] c, int k, int width, int w, int i, int o) {
        float s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        float s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
        float[] a0 = a[i];
        float[] a1 = a[i + 1];
        float[] a2 = a[i + 2];
        float[] a3 = a[i + 3];
        for (int kk = 0; kk < k; kk++, w += NR) {
            float b0 = packed[w];
            float b1 = packed[w + 1];
            float b2 = packed[w + 2];
            float b3 = packed[w + 3];
            float x0 = a0[kk];
            float x1 = a1[kk];
            float x2 = a2[kk];
            float x3 = a3[kk];
            s00 = Math.fma(b0, x0, s00); s01 = Math.fma(b1, x0, s01); s02 = Math.fma(b2, x0, s02); s03 = Math.fma(b3, x0, s03);
            s10 = Math.fma(b0, x1, s10); s11 = Math.fma(b1, x1, s11); s12 = Math.fma(b2, x1, s12); s13 = Math.fma(b3, x1, s13);
            s20 = Math.fma(b0, x2, s20); s21 = Math.fma(b1, x2, s21); s22 = Math.fma(b2, x2, s22); s23 = Math.fma(b3, x2, s23);
            s30 = Math.fma(b0, x3, s30); s31 = Math.fma(b1, x3, s31); s32 = Math.fma(b2, x3, s32); s33 = Math.fma(b3, x3, s33);
        }
        c[o] = s00; c[o + 1] = s01; c[o + 2] = s02; c[o + 3] = s03;
        o += width;
        c[o] = s10; c[o + 1] = s11; c[o + 2] = s12; c[o + 3] = s13;
        o += width;
        c[o] = s20; c[o + 1] = s21; c[o + 2] = s22; c[o + 3] = s23;
        o += width;
        c[o] = s30; c[o + 1] = s31; c[o + 2] = s32; c[o + 3] = s33;
    }

    /** One row of A, four columns from {@code w} of the packed panel. */
    private static void scalar1x4(float[] row, float[] packed, float[] c, int k, int w, int o) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int kk = 0; kk < k; kk++, w += NR) {
            float x = row[kk];
            s0 = Math.fma(packed[w], x, s0);
            s1 = Math.fma(packed[w + 1], x, s1);
            s2 = Math.fma(packed[w + 2], x, s2);
            s3 = Math.fma(packed[w + 3], x, s3);
        }
        c[o] = s0;
        c[o + 1] = s1;
        c[o + 2] = s2;
        c[o + 3] = s3;
    }

    private static final ProvenVectorForm VECTOR = new ProvenVectorForm("spool-gemm-warmup", PackedGemm::warm);

    /**
     * Whether the vector kernel serves: at once when warm-up is off, otherwise once a background
     * thread has seen it run a sample product at least as fast as the scalar form (C2 has compiled it).
     */
    static boolean vectorReady() {
        return VECTOR.ready();
    }

    /**
     * Starts the background warm-up of the vector kernel now (once per JVM; nothing when warm-up is
     * off): when a program with a packed GEMM is prepared, or earlier, when an artifact is loaded.
     */
    public static void startWarmup() {
        VECTOR.start();
    }

    /**
     * Brings the vector kernel to C2 quickly and proves it: many short products (k = 8, 9 rows, so
     * every row group's method runs; the JIT counts invocations, and C2 takes a method after some
     * 600 calls), then one long product (k = 192, two slices) in each form, timed, until the vector form wins
     * twice running or 4 s have passed. Short calls matter: run in C1, a Vector API product
     * allocates per operation, and long warm-up products kept a second core busy for seconds while
     * the first real run was waiting for it. The scalar form runs as often as the vector one: when
     * only the timed calls ran it, it was still interpreted there, and the vector form's C1 code
     * (the Vector API's Java fallbacks) beat it twice over, so it served the LSTM artifact's first
     * run from C1 until C2 had compiled it, about 0.5 s later.
     */
    private static void warm() {
        int m = 9;
        int panels = 2;
        int kShort = 8;
        // Past one slice of k, so that the blocks' profile has seen a slice after the first (its sums
        // reloaded): with only short products, C2 left that path out, and the first real product's
        // second slice threw the compiled blocks away ("made not entrant") and sent them back to C1.
        int kLong = KB + 64;
        float[][] a = new float[m][kLong];
        float[] packed = new float[panels * kLong * NR];
        float[] c = new float[m * panels * NR];
        for (float[] row : a) {
            java.util.Arrays.fill(row, 0.5f);
        }
        java.util.Arrays.fill(packed, 0.25f);
        ProvenVectorForm.prove(() -> {
            for (int r = 0; r < 100; r++) {
                multiplyVector(a, packed, c, m, kShort, panels, 0, panels);
                multiplyScalar(a, packed, c, m, kShort, panels, 0, panels);
            }
        }, () -> multiplyVector(a, packed, c, m, kLong, panels, 0, panels), () -> multiplyScalar(a, packed, c, m, kLong, panels, 0, panels));
    }
}
