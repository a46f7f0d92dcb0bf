package dev.spool.runtime.internal.cpu;

import java.nio.ByteBuffer;

/**
 * Runs a generated {@link CpuKernel}, updating the argument slots of operands that move with a loop.
 * A kernel over at least {@link #MIN_SPLIT} elements and {@link #MIN_SPLIT_WORK} element-operations
 * whose rows are independent (no output overlaps an input except as the same view, see
 * {@code ExecBuilder}) runs its outermost axis in two halves, one on {@link SecondCore}: a scan
 * step's gate kernels were 30 % of an LSTM H256 forward step, all on one core while the other
 * waited for the next GEMM. Every element is computed by the same code either way (a one-axis
 * kernel is cut at a multiple of 64, so no element moves between the vector loop and the scalar
 * tail), so the bits do not change. While a {@linkplain CpuKernel#provisional() stand-in} serves
 * (an artifact's scalar form, before the vector form is proven) both halves run on the calling
 * thread: then the JIT's compiler threads and the warm-ups hold the other core, a helper the OS had
 * descheduled in mid-half kept steps of the LSTM artifact's first run waiting 2–10 ms, and that
 * first run took about 50 ms longer with the split.
 */
final class KernelExec implements Exec {
    /** Fewer elements than this run whole: a few microseconds, about what a hand-over costs. */
    static final int MIN_SPLIT = 8192;
    /**
     * Less work than this (elements × operations of the fused expression) runs whole. A cheap kernel
     * costs less than the hand-over: in the GRU H256's backward step the one-op add of two 32 × 256
     * operands took about 2 µs on one core and 5–6.5 µs split, a three-op kernel 2.0–2.2 µs against
     * 2.3–3.2, while kernels of five operations and more gained from the split or broke even.
     */
    static final long MIN_SPLIT_WORK = 4L * MIN_SPLIT;

    private final ByteBuffer m;
    private final CpuKernel kernel;
    private final String source;
    private final int[] args;
    private final Address[] moving;
    private final int[] slots;
    /** The second half's arguments (null when the kernel runs whole), and its first outer index. */
    private final int[] secondArgs;
    private final int split;
    private final Runnable first;
    private final Runnable second;

    /** @param operations the fused expression's operations per element (at least 1) */
    KernelExec(ByteBuffer m, CpuKernel kernel, String source, int[] args, Address[] moving, int[] slots, int rank, boolean rowsIndependent,
               int operations) {
        this.m = m;
        this.kernel = kernel;
        this.source = source;
        this.moving = moving;
        this.slots = slots;
        long elements = 1;
        for (int d = 0; d < rank; d++) {
            elements *= args[d];
        }
        int outer = args[0];
        int at = rank == 1 ? (outer / 2) & ~63 : outer / 2;
        if (SecondCore.ENABLED && rowsIndependent && elements >= MIN_SPLIT && elements * Math.max(1, operations) >= MIN_SPLIT_WORK && at > 0) {
            this.split = at;
            this.args = args.clone();
            this.args[0] = at;
            this.secondArgs = args.clone();
            this.secondArgs[0] = outer - at;
            for (int slot = rank; slot < args.length; slot += 1 + rank) {
                this.secondArgs[slot] = args[slot] + at * args[slot + 1];
            }
        } else {
            this.split = 0;
            this.args = args;
            this.secondArgs = null;
        }
        this.first = () -> kernel.run(m, this.args);
        this.second = () -> kernel.run(m, secondArgs);
    }

    public void run(int[] loop) {
        for (int i = 0; i < moving.length; i++) {
            int at = moving[i].at(loop);
            args[slots[i]] = at;
            if (secondArgs != null) {
                secondArgs[slots[i]] = at + split * args[slots[i] + 1];
            }
        }
        if (secondArgs == null) {
            kernel.run(m, args);
        } else if (kernel.provisional()) {
            // While a stand-in serves, the JIT's threads and the warm-ups hold the other core, and a
            // helper that the OS descheduled mid-half kept the step waiting for milliseconds.
            first.run();
            second.run();
        } else {
            SecondCore.run(first, second);
        }
    }

    String source() {
        return source;
    }

    /** Whether the rows run in two halves, one on {@link SecondCore} (for tests). */
    boolean splits() {
        return secondArgs != null;
    }
}
