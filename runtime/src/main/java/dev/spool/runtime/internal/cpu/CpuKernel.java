package dev.spool.runtime.internal.cpu;

import java.nio.ByteBuffer;

/**
 * A generated elementwise kernel. {@code args} holds the collapsed sizes (outermost first), then
 * per operand (inputs, then outputs) its byte offset in {@code mem} and its byte stride per axis.
 * Implementations are generated Java source compiled at run time by the CPU backend, or class files
 * shipped in an artifact ({@link KernelProvider}).
 */
public interface CpuKernel {
    void run(ByteBuffer mem, int[] args);

    /**
     * Whether this is a stand-in that a faster form of the same kernel will replace (a scalar form
     * serving while the vector form warms up, {@link TieredKernel}): the JIT is busy then, and
     * {@link KernelExec} runs such a kernel whole rather than wait for a second core it shares.
     */
    default boolean provisional() {
        return false;
    }
}
