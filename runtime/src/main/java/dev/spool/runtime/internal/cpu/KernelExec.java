package dev.spool.runtime.internal.cpu;

import java.nio.ByteBuffer;

/** Runs a generated {@link CpuKernel}, updating the argument slots of operands that move with a loop. */
final class KernelExec implements Exec {
    private final ByteBuffer m;
    private final CpuKernel kernel;
    private final String source;
    private final int[] args;
    private final Address[] moving;
    private final int[] slots;

    KernelExec(ByteBuffer m, CpuKernel kernel, String source, int[] args, Address[] moving, int[] slots) {
        this.m = m;
        this.kernel = kernel;
        this.source = source;
        this.args = args;
        this.moving = moving;
        this.slots = slots;
    }

    public void run(int[] loop) {
        for (int i = 0; i < moving.length; i++) {
            args[slots[i]] = moving[i].at(loop);
        }
        kernel.run(m, args);
    }

    String source() {
        return source;
    }
}
