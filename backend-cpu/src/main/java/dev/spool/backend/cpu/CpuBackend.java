package dev.spool.backend.cpu;

import dev.spool.compiler.VerifyPass;
import dev.spool.backend.cpu.codegen.KernelCompiler;
import dev.spool.backend.cpu.reference.ReferenceProgram;
import dev.spool.runtime.internal.cpu.CpuExecutable;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.lower.Target;
import dev.spool.graph.Graph;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramVerifier;

/**
 * Entry point of the CPU backend: {@link #compile} runs the pipeline's graph stage and returns a
 * program that runs its Program stage per binding of the dims; {@link #reference} interprets the
 * graph as written, op by op, for differential tests.
 *
 * <pre>{@code Map<String, Tensor> y = CpuBackend.compile(graph).run(Map.of("x", x));}</pre>
 */
public final class CpuBackend {
    private CpuBackend() {
    }

    /**
     * What this backend asks of the Program passes: past a cost of about 36 (vector operations plus
     * operands) per generated kernel, C2 stops intrinsifying some Vector API calls in the loop and
     * the kernel gets 2–3× slower per element (measured on the LSTM cell), so larger kernels are split.
     * It runs the fused classifier head ({@code linear_xent_grad}).
     */
    public static final Target TARGET = new Target(36, true);

    /**
     * Compiles with the standard pipeline (every optimising pass); sizes of symbolic dims are
     * taken from the tensors of each run.
     *
     * <pre>{@code CpuProgram p = CpuBackend.compile(b.build("y", y));}</pre>
     */
    public static CpuProgram compile(Graph graph) {
        return compile(graph, Pipeline.standard());
    }

    /** Compiles with another pass pipeline: {@code CpuBackend.compile(g, Pipeline.unrolling(0))}. */
    public static CpuProgram compile(Graph graph, Pipeline pipeline) {
        return new CpuProgram(pipeline.run(graph), pipeline);
    }

    /**
     * A compiled program (say, read back with {@code ProgramText.read}) made runnable; it is
     * verified first.
     *
     * @throws dev.spool.program.internal.InvalidProgramException when the program breaks a rule of {@link ProgramVerifier}
     */
    public static CpuExecutable load(Program program) {
        ProgramVerifier.verify(program, "load");
        return new CpuExecutable(program, null, KernelCompiler.INSTANCE);
    }

    /**
     * Generated kernels compiled in this JVM, with the time spent compiling them (Janino) and
     * warming them up for the JIT, in nanoseconds.
     *
     * <pre>{@code CpuBackend.KernelStats s = CpuBackend.kernelStats(); int n = s.kernels();}</pre>
     */
    public record KernelStats(int kernels, long compileNanos, long warmupNanos) {
    }

    /**
     * Kernels compiled so far in this JVM and the time that took (for compile-time measurements).
     *
     * <pre>{@code long janinoNanos = CpuBackend.kernelStats().compileNanos();}</pre>
     */
    public static KernelStats kernelStats() {
        return new KernelStats(KernelCompiler.compiled(), KernelCompiler.compileNanos(), KernelCompiler.warmupNanos());
    }

    /**
     * Runs {@code prepare} (e.g. an executable's first {@link CpuExecutable#run}) with a kernel cache
     * of its own on this thread, so every distinct kernel it needs is generated and compiled once,
     * as in a fresh JVM, without touching the compiled (and JIT-warmed) kernels other programs use. For
     * measuring compile time from cold (the scan-vs-unroll study).
     *
     * <pre>{@code CpuBackend.withoutKernelCache(() -> CpuBackend.load(program).run(feeds));}</pre>
     */
    public static void withoutKernelCache(Runnable prepare) {
        KernelCompiler.uncached(prepare);
    }

    /** The reference interpreter on the graph after verification only: {@code CpuBackend.reference(g).run(feeds)}. */
    public static ReferenceProgram reference(Graph graph) {
        return new ReferenceProgram(new VerifyPass().run(graph));
    }
}
