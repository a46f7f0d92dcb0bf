package dev.spool.runtime.internal.cpu;

import dev.spool.program.internal.Instr;
/**
 * Where the executor gets the compiled code of an elementwise {@link Instr.Kernel}: the CPU
 * backend generates Java source and compiles it with Janino; a loaded artifact defines the class
 * bytes it was shipped with. Keeping this an interface is what lets the runtime run programs
 * without a Java compiler on its class path.
 *
 * <pre>{@code
 * CpuExecutable exe = new CpuExecutable(program, null, (k, layout, lanes, sizes) -> myKernels.get(k));
 * }</pre>
 */
@FunctionalInterface
public interface KernelProvider {

    /**
     * The kernel for {@code k} over the collapsed iteration space {@code layout}.
     *
     * @param maxFloatLanes F32 lanes of this JVM's preferred vector species, 0 without the Vector API
     * @param elementSizes  bytes per element of each operand (inputs, then outputs)
     */
    Prepared kernel(Instr.Kernel k, KernelLayout layout, int maxFloatLanes, int[] elementSizes);

    /** A runnable kernel and the source it was compiled from (for {@code spool inspect}). */
    record Prepared(CpuKernel kernel, String source) {
    }
}
