package dev.spool.runtime.internal.cpu;

import dev.spool.graph.InputException;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.Program;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * One verified {@link Program} ready to run on the CPU: the executor decides nothing about it
 * (every optimisation is in the program), it only prepares arenas at the program's layout and
 * takes each elementwise kernel from its {@link KernelProvider} (generated and compiled by the CPU
 * backend, or shipped in an artifact). Runs may come from many threads at once: each borrows a
 * prepared arena from a pool (a new one when all are busy) and returns it afterwards.
 *
 * <pre>{@code
 * CpuExecutable exe = CpuBackend.load(ProgramText.read(text));   // or SpoolModel.load(path)
 * Map<String, Tensor> y = exe.run(Map.of("x", x));
 * }</pre>
 */
public final class CpuExecutable {
    private final Program program;
    private final Profile profile;
    private final KernelProvider kernels;
    private final ConcurrentLinkedDeque<CompiledPlan> idle = new ConcurrentLinkedDeque<>();

    /**
     * An executable for a program the caller has verified ({@code ProgramVerifier.verify}); with a
     * non-null {@code profile}, every instruction is timed into it.
     */
    public CpuExecutable(Program program, Profile profile, KernelProvider kernels) {
        this.program = program;
        this.profile = profile;
        this.kernels = kernels;
    }

    public Program program() {
        return program;
    }

    /**
     * Runs the program on named feeds; each must have exactly its feed's dtype and shape.
     *
     * @throws InputException naming a missing or mismatched feed
     */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        for (Program.Feed f : program.feeds()) {
            Tensor t = feeds.get(f.name());
            if (t == null) {
                throw new InputException("input '" + f.name() + "' is missing; expected " + f.dtype() + Shape.of(f.shape()));
            }
            if (t.dtype() != f.dtype() || !Arrays.equals(t.shape(), f.shape())) {
                throw new InputException("input '" + f.name() + "': expected " + f.dtype() + Shape.of(f.shape()) + ", got " + t.dtype() + Shape.of(t.shape()));
            }
        }
        return runChecked(feeds);
    }

    /** A run whose feeds the caller has already checked against the program (dtypes and shapes). */
    public Map<String, Tensor> runChecked(Map<String, Tensor> feeds) {
        CompiledPlan plan = borrow();
        try {
            return plan.run(feeds);
        } finally {
            idle.push(plan);
        }
    }

    /** The generated kernel sources, in program order. */
    public List<String> kernelSources() {
        CompiledPlan plan = borrow();
        try {
            return plan.kernelSources();
        } finally {
            idle.push(plan);
        }
    }

    private CompiledPlan borrow() {
        CompiledPlan plan = idle.poll();
        return plan != null ? plan : new CompiledPlan(program, VectorSupport.floatLanes(), profile, kernels);
    }
}
