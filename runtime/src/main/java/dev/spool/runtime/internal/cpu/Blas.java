package dev.spool.runtime.internal.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The one facade over OpenBLAS (no other class imports {@code org.bytedeco}). Row-major GEMM
 * {@code C = alpha * op(A) op(B) + beta * C}; transposed operands are flags, never copies.
 *
 * <p>Compiled programs call GEMM on {@link Operands}: pointers into their native arena, so
 * operands are passed by address with nothing copied. The heap-array overloads serve the reference
 * interpreter; JavaCPP copies a heap array in and out on every call (all of it, whatever the
 * offset), which is why compiled programs keep their tensors in native memory.
 */
public final class Blas {
    private Blas() {
    }

    private static boolean loaded;

    /**
     * Loads OpenBLAS (JavaCPP extracts and links the native library on first use, 150 ms or more
     * in a fresh JVM; the BLAS-only {@code openblas_nolapack} build, because the preset's
     * {@code openblas} class also loads a LAPACK build of 60 MB) by running one tiny GEMM, once per JVM: a background thread may do it before
     * the first run needs it. Every use of native memory goes through here first, because two
     * threads that start JavaCPP's loading at once (one through {@code openblas_nolapack}, one through
     * {@code Pointer}) deadlock on its class-initialisation locks.
     */
    public static synchronized void preload() {
        if (!loaded) {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans, 1, 1, 1, 1f,
                    FloatBuffer.wrap(new float[] {1}), 1, FloatBuffer.wrap(new float[] {1}), 1, 0f, FloatBuffer.wrap(new float[1]), 1);
            if (SecondCore.ENABLED) {
                // Spool splits the large products itself (GemmExec, PackedGemm); OpenBLAS's workers
                // would spin for 0.1 s after each call against SecondCore's helper.
                ownThreads = org.bytedeco.openblas.presets.openblas_nolapack.blas_get_num_threads();
                org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
            }
            loaded = true;
        }
    }

    /** OpenBLAS's x86 core types whose kernels use 512-bit vectors (its {@code OPENBLAS_CORETYPE} names). */
    private static final java.util.Set<String> WIDE_CORES = java.util.Set.of("skylakex", "cooperlake", "sapphirerapids");

    /**
     * A one-line warning when {@code OPENBLAS_CORETYPE} pins OpenBLAS to kernels narrower than this
     * CPU's vectors, else empty. Some environments pin {@code Haswell} so that results agree across a
     * fleet of machines; on a CPU with AVX-512 that halves every OpenBLAS product (measured on this
     * project's Zen 5 machine: 95 against 180–200 GFLOP/s on one core for a 1024³ sgemm), while
     * Spool's own Vector API kernels use the full width whatever the variable says.
     *
     * <pre>{@code Blas.coreTypeWarning().ifPresent(System.err::println);}</pre>
     */
    public static java.util.Optional<String> coreTypeWarning() {
        return coreTypeWarning(System.getenv("OPENBLAS_CORETYPE"), jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    static java.util.Optional<String> coreTypeWarning(String coreType, int vectorBits) {
        if (coreType == null || coreType.isBlank() || vectorBits < 512 || WIDE_CORES.contains(coreType.trim().toLowerCase(java.util.Locale.ROOT))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("OPENBLAS_CORETYPE=" + coreType.trim() + " pins OpenBLAS to narrower kernels than this CPU's "
                + vectorBits + "-bit vectors: its products and the measured sgemm rate run at about half speed; unset it or set SkylakeX");
    }

    private static int ownThreads = -1;

    /**
     * Runs {@code r} with OpenBLAS on its own thread count (one per core unless
     * {@code OPENBLAS_NUM_THREADS} says otherwise), for measuring its parallel rate, then puts it back
     * on the calling thread when {@link SecondCore} is on.
     */
    public static synchronized void withOwnThreads(Runnable r) {
        preload();
        if (!SecondCore.ENABLED) {
            r.run();
            return;
        }
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(ownThreads);
        try {
            r.run();
        } finally {
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
        }
    }

    /**
     * Reusable pointers into one direct buffer (one set per thread: a call repositions them). They
     * are made at the first product, not with the plan: making them needs OpenBLAS loaded (see
     * {@link #preload}), and a plan prepared while a background thread still loads it need not wait
     * for it until a product runs.
     */
    static final class Operands {
        private final ByteBuffer a;
        private final ByteBuffer b;
        private final ByteBuffer c;
        /** Made once, by whichever thread multiplies first; volatile so that a product on the other core sees them whole. */
        private volatile Pointers pointers;

        Operands(ByteBuffer direct) {
            this(direct, direct);
        }

        /** A and B in {@code ab}, C in {@code c}. */
        Operands(ByteBuffer ab, ByteBuffer c) {
            this(ab, ab, c);
        }

        /** A, B and C each in its own direct buffer (or the same one). */
        Operands(ByteBuffer a, ByteBuffer b, ByteBuffer c) {
            this.a = a;
            this.b = b;
            this.c = c;
        }

        Pointers pointers() {
            Pointers p = pointers;
            if (p == null) {
                synchronized (this) {
                    p = pointers;
                    if (p == null) {
                        preload();
                        p = new Pointers(new FloatPointer(a.asFloatBuffer()), new FloatPointer(b.asFloatBuffer()), new FloatPointer(c.asFloatBuffer()),
                                new DoublePointer(a.asDoubleBuffer()), new DoublePointer(b.asDoubleBuffer()), new DoublePointer(c.asDoubleBuffer()));
                        pointers = p;
                    }
                }
            }
            return p;
        }
    }

    private record Pointers(FloatPointer fa, FloatPointer fb, FloatPointer fc, DoublePointer da, DoublePointer db, DoublePointer dc) {
    }

    /** sgemm on byte offsets into the operands' buffer; leading dimensions in elements. */
    static void sgemm(Operands p, boolean transA, boolean transB, int m, int n, int k,
                      int aByte, int lda, int bByte, int ldb, float beta, int cByte, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        Pointers q = p.pointers();
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, trans(transA), trans(transB), m, n, k, 1f,
                q.fa().position(aByte >> 2), lda, q.fb().position(bByte >> 2), ldb, beta, q.fc().position(cByte >> 2), ldc);
    }

    /** dgemm on byte offsets into the operands' buffer; leading dimensions in elements. */
    static void dgemm(Operands p, boolean transA, boolean transB, int m, int n, int k,
                      int aByte, int lda, int bByte, int ldb, double beta, int cByte, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        Pointers q = p.pointers();
        openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, trans(transA), trans(transB), m, n, k, 1.0,
                q.da().position(aByte >> 3), lda, q.db().position(bByte >> 3), ldb, beta, q.dc().position(cByte >> 3), ldc);
    }

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        preload();
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, trans(transA), trans(transB), m, n, k, 1f,
                FloatBuffer.wrap(a, aOff, a.length - aOff), lda, FloatBuffer.wrap(b, bOff, b.length - bOff), ldb,
                beta, FloatBuffer.wrap(c, cOff, c.length - cOff), ldc);
    }

    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        preload();
        openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, trans(transA), trans(transB), m, n, k, 1.0,
                DoubleBuffer.wrap(a, aOff, a.length - aOff), lda, DoubleBuffer.wrap(b, bOff, b.length - bOff), ldb,
                beta, DoubleBuffer.wrap(c, cOff, c.length - cOff), ldc);
    }

    private static int trans(boolean t) {
        return t ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    }
}
