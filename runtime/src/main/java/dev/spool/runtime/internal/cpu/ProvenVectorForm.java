package dev.spool.runtime.internal.cpu;

/**
 * When a hand-written Vector API kernel with a bit-identical scalar form may serve: once per JVM, a
 * daemon thread runs a warm-up that brings the vector form to C2 and proves it at least twice as fast as
 * the scalar one (run by the interpreter or C1, a Vector API loop allocates per operation and runs
 * 50–100× slower); until then callers take the scalar form. At once when warm-up is off
 * ({@code -Dspool.warmup=false}). {@link PackedGemm}, {@link LongKGemm} and {@link VectorRows} each hold one.
 *
 * <pre>{@code
 * static final ProvenVectorForm VECTOR = new ProvenVectorForm("spool-gemm-warmup", MyKernel::warm);
 * boolean vector = VECTOR.ready();   // starts the warm-up on the first call
 * }</pre>
 */
final class ProvenVectorForm {
    private final String thread;
    private final Runnable warm;
    private volatile boolean ready = !KernelWarmup.ENABLED;
    private boolean warming;

    /** {@code warm} returns once the vector form is compiled and proven, or its time budget is spent (it serves then anyway). */
    ProvenVectorForm(String thread, Runnable warm) {
        this.thread = thread;
        this.warm = warm;
    }

    /**
     * Whether one timed run of the vector form proves it: at least twice as fast as the scalar form
     * on the same work. Compiled by C2, the vector forms here run 4–17× faster than the scalar ones;
     * partly still in C1 they come within noise of them, and "not slower, twice in a row" once let
     * {@link LongKGemm}'s vector form serve a first training step 25× slower than compiled.
     */
    static boolean proves(long vectorNanos, long scalarNanos) {
        return 2 * vectorNanos <= scalarNanos;
    }

    /**
     * A warm-up's proof loop: {@code warm} (calls that bring both forms through the JIT), then
     * {@code vector} and {@code scalar} on the same work, timed, until the vector run {@link #proves}
     * it twice in a row or {@link TieredKernels#PROOF_BUDGET_NANOS} have passed. Past the budget C2
     * has compiled it whatever the timings said (a busy machine): it serves anyway.
     */
    static void prove(Runnable warm, Runnable vector, Runnable scalar) {
        long deadline = System.nanoTime() + TieredKernels.PROOF_BUDGET_NANOS;
        int faster = 0;
        while (faster < 2 && System.nanoTime() < deadline) {
            deadline += WarmupGate.awaitOpen();
            warm.run();
            long t0 = System.nanoTime();
            vector.run();
            long t1 = System.nanoTime();
            scalar.run();
            long t2 = System.nanoTime();
            faster = proves(t1 - t0, t2 - t1) ? faster + 1 : 0;
        }
    }

    /** Whether the vector form serves; starts the warm-up when it has not started. */
    boolean ready() {
        if (ready) {
            return true;
        }
        start();
        return false;
    }

    /** Whether the vector form serves, without starting the warm-up (for code that does not need it proven to be worth it). */
    boolean proven() {
        return ready;
    }

    /** Starts the warm-up now (once), e.g. when a program that will need the kernel is prepared. */
    synchronized void start() {
        if (warming || ready) {
            return;
        }
        warming = true;
        KernelWarmup.inBackground(thread, () -> {
            warm.run();
            ready = true;
        });
    }
}
