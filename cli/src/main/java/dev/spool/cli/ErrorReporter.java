package dev.spool.cli;

import dev.spool.graph.GraphException;
import dev.spool.graph.InputException;
import picocli.CommandLine;

import java.io.IOException;

/**
 * Turns exceptions from a command into the contract's exit codes: bad input (unreadable or
 * malformed files, tensors that do not fit the model) prints one line and exits 2; anything else is
 * an internal error, exit 1. The stack trace is printed only with {@code --verbose}.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {

    /** A problem the user can fix, already phrased for them. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean verbose = parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
        String name = cmd.getCommandName();
        boolean userError = e instanceof UserError || e instanceof InputException || e instanceof IOException
                || e instanceof GraphException || e instanceof IllegalArgumentException;
        var err = cmd.getErr();
        if (userError) {
            err.println("spool " + name + ": error: " + e.getMessage());
        } else {
            err.println("spool " + name + ": internal error: " + e + (verbose ? "" : " (run with --verbose for the stack trace)"));
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return userError ? 2 : 1;
    }
}
