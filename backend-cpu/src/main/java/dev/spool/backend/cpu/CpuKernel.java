package dev.spool.backend.cpu;

import java.nio.ByteBuffer;

/**
 * A generated elementwise kernel. {@code args} holds the collapsed sizes (outermost first), then
 * per operand (inputs, then outputs) its byte offset in {@code mem} and its byte stride per axis.
 * Implementations are Java source compiled at run time ({@link KernelSource}, {@link KernelCompiler}).
 */
public interface CpuKernel {
    void run(ByteBuffer mem, int[] args);
}
