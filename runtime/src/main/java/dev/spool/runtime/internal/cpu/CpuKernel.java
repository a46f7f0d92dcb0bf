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
}
