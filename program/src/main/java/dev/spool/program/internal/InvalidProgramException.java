package dev.spool.program.internal;

/**
 * A {@link Program} that breaks one of the rules {@link ProgramVerifier} checks: a compiler bug
 * (the message names the pass that produced the program and the instruction) or a damaged program
 * text.
 */
public final class InvalidProgramException extends IllegalStateException {
    public InvalidProgramException(String message) {
        super(message);
    }
}
