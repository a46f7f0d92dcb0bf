package dev.spool.runtime.internal.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Brings a new kernel to compiled speed before its first real call. Until C2 compiles a Vector API
 * kernel it runs in the interpreter or C1, where every vector operation is an allocating library
 * call, 50–100× slower than the compiled loop; a scan calls a cell kernel only T times per run, so
 * reaching C2 by use alone takes many runs. A new kernel is therefore run a few thousand times on a
 * small scratch buffer (a few tens of milliseconds), which crosses the JIT's tier-4 thresholds, and
 * C2 compiles it in the background while the rest of the program is prepared. Whoever makes a
 * kernel (the Janino compiler, an artifact's class loader) warms it once.
 * {@code -Dspool.warmup=false} turns this off (the tests do, since their graphs are tiny and
 * numerous).
 *
 * <pre>{@code KernelWarmup.warm(kernel, lanes, layout, new int[] {4, 4, 4});}</pre>
 */
public final class KernelWarmup {
    /** Whether warm-up is on ({@code -Dspool.warmup=false} turns it off). */
    public static final boolean ENABLED = !"false".equals(System.getProperty("spool.warmup"));
    /** Calls and row length (in vectors) of a warm-up: enough invocations and loop back-edges for C2. */
    private static final int CALLS = 2500;
    private static final int VECTORS = 8;
    private static final long BUDGET_NANOS = 400_000_000L;

    private KernelWarmup() {
    }

    /** Runs {@code warm} once on a daemon thread of this name: the JIT compiles what it calls while the caller goes on. */
    static void inBackground(String name, Runnable warm) {
        Thread t = new Thread(warm, name);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Runs the kernel on rows of garbage (every byte 0x3F: floats near 0.75, large positive ints,
     * true booleans, so nothing divides by zero) with every operand at offset 0; a row is long
     * enough to run the vector loop several times and, when the real rows have one, the scalar tail.
     *
     * @param lanes the vector width the kernel's innermost loop uses, 0 for scalar code
     */
    public static void warm(CpuKernel k, int lanes, KernelLayout layout, int[] elementSizes) {
        warm(k, lanes, layout, elementSizes, false);
    }

    /**
     * {@link #warm}; with {@code background}, for a warm-up thread's own use, each call of a vector
     * kernel first waits while a {@link WarmupGate} hold is on. Never on a thread that needs the
     * kernel: a first run that warms a kernel itself would wait for its own hold.
     */
    public static void warm(CpuKernel k, int lanes, KernelLayout layout, int[] elementSizes, boolean background) {
        Workload w = Workload.of(lanes, layout, elementSizes);
        long deadline = System.nanoTime() + BUDGET_NANOS;
        for (int i = 0; i < CALLS && System.nanoTime() < deadline; i++) {
            if (background && lanes > 0) {
                deadline += WarmupGate.awaitOpen();
            }
            k.run(w.scratch, w.args);
        }
    }

    /**
     * Warms {@code k} (as {@link #warm}) until it runs the warm-up rows at least as fast as
     * {@code reference}, the kernel serving meanwhile (the scalar form of the same kernel), or until
     * {@code budgetNanos} pass; returns whether it got there. A fixed number of calls says nothing on
     * a busy machine: there C2 may not have compiled the kernel when they end, and a Vector API
     * kernel served before that runs its operations as allocating library calls, slower than the
     * scalar form it replaced. Both are timed on the same rows, alternately, so a busy minute slows
     * both alike.
     */
    public static boolean warmAgainst(CpuKernel k, CpuKernel reference, int lanes, KernelLayout layout, int[] elementSizes, long budgetNanos) {
        Workload w = Workload.of(lanes, layout, elementSizes);
        long deadline = System.nanoTime() + budgetNanos;
        int faster = 0;
        while (System.nanoTime() < deadline) {
            deadline += WarmupGate.awaitOpen();
            long t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                k.run(w.scratch, w.args);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                reference.run(w.scratch, w.args);
            }
            long t2 = System.nanoTime();
            // Twice in a row, so that one lucky batch does not decide.
            faster = (t1 - t0) / 50.0 <= (t2 - t1) / 5.0 ? faster + 1 : 0;
            if (faster == 2) {
                return true;
            }
        }
        return false;
    }

    /** The warm-up rows: arguments and a scratch buffer shaped like the kernel's real calls. */
    private record Workload(int[] args, ByteBuffer scratch) {
        static Workload of(int lanes, KernelLayout layout, int[] elementSizes) {
            int real = layout.inner();
            int inner = lanes == 0 ? Math.min(real, 64) : real <= VECTORS * lanes ? real : VECTORS * lanes + real % lanes;
            int r = layout.rank();
            int operands = elementSizes.length;
            int[] args = new int[r + operands * (1 + r)];
            // Two rows per outer axis (all at the same address): C2 compiles from this profile, and an
            // outer loop never taken during warm-up would be compiled as a trap that deoptimises later.
            Arrays.fill(args, 0, r, 2);
            args[r - 1] = inner;
            for (int o = 0; o < operands; o++) {
                args[r + o * (1 + r) + r] = layout.innerStride(o) == 0 ? 0 : elementSizes[o];
            }
            ByteBuffer scratch = ByteBuffer.allocateDirect(8 * Math.max(1, inner) + 64).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < scratch.capacity(); i++) {
                scratch.put(i, (byte) 0x3F);
            }
            return new Workload(args, scratch);
        }
    }
}
