package dev.spool.compiler.lower;

import dev.spool.program.internal.Program;
/**
 * One Program-to-Program rewrite of the second compile stage, after lowering; each has a name so
 * that {@code --passes} and {@code --no-<name>} can list or turn it off, and the compiler verifies
 * its result ({@link dev.spool.program.internal.ProgramVerifier}). With every one off, the program is
 * lowering's reference program.
 */
public interface ProgramPass {
    /** The name used by {@code --passes} and {@code --no-<name>}. */
    String name();

    Program run(Program program, Target target);
}
