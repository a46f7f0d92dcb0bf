package dev.spool.compiler.lower;

import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
/**
 * The {@code memplan} pass: places every buffer in one arena with {@link MemoryPlanner} (liveness,
 * in-place reuse, offsets). The algorithm lives with the Program IR because a loaded artifact runs
 * it too, for each new binding of its dims, without the compiler.
 */
public final class MemoryPlanning implements ProgramPass {
    @Override
    public String name() {
        return "memplan";
    }

    @Override
    public Program run(Program p, Target target) {
        return MemoryPlanner.place(p);
    }
}
