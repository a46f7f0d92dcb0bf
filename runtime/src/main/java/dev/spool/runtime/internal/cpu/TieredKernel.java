package dev.spool.runtime.internal.cpu;

import java.nio.ByteBuffer;

/**
 * A kernel that starts as one implementation and moves to a faster one when it is ready: a
 * kernel's scalar form serves the first runs while the Vector API form of the same kernel is
 * warmed up on another thread ({@link TieredKernels}). Both compute every element with the same float operations, so the
 * switch does not change a single bit; a run that is under way when it happens may use either.
 */
final class TieredKernel implements CpuKernel {
    private volatile CpuKernel current;
    private volatile boolean settled;

    TieredKernel(CpuKernel first) {
        this.current = first;
    }

    void upgrade(CpuKernel faster) {
        current = faster;
        settled = true;
    }

    /** No faster form is coming: the one serving now serves for good. */
    void settle() {
        settled = true;
    }

    @Override
    public boolean provisional() {
        return !settled;
    }

    @Override
    public void run(ByteBuffer mem, int[] args) {
        current.run(mem, args);
    }
}
