package dev.spool.cli;

import dev.spool.graph.GraphException;
import dev.spool.graph.InputException;
import dev.spool.graph.ResourceLimitException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;

/**
 * Turns exceptions from a command into the contract's exit codes: bad input (unreadable or
 * malformed files, tensors that do not fit the model, bad flags, sizes that do not fit in memory)
 * prints one line and exits 2; anything else is an internal error, exit 1. The stack trace is
 * printed only with {@code --verbose}.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

    /** What to make smaller, per command, when a run does not fit in memory. */
    private static final Map<String, String> SMALLER = Map.of(
            "train", "make --hidden, --batch or --steps smaller, or keep fewer activations with --checkpoint K",
            "eval", "use fewer time steps or a smaller batch, --mode scan instead of unroll, or --checkpoint K with --grad",
            "inspect", "make --hidden, --batch or --steps smaller",
            "sample", "generate fewer characters (--n)",
            "bench", "run fewer workloads (--only)");

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
                || e instanceof GraphException || e instanceof IllegalArgumentException || e instanceof ResourceLimitException
                || e instanceof dev.spool.runtime.ArtifactException;
        var err = cmd.getErr();
        if (e instanceof ResourceLimitException) {
            err.println("spool " + name + ": error: " + oneLine(e.getMessage()) + "; " + SMALLER.getOrDefault(name, "use smaller sizes"));
        } else if (userError) {
            err.println("spool " + name + ": error: " + oneLine(e.getMessage()));
        } else {
            err.println("spool " + name + ": internal error: " + oneLine(e.toString()) + (verbose ? "" : " (run with --verbose for the stack trace)"));
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return userError ? 2 : 1;
    }

    /** A bad flag or value: one line naming it, and where the usage is, instead of the whole usage text. */
    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        StringBuilder line = new StringBuilder(name).append(": error: ").append(oneLine(e.getMessage()));
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            line.append("; did you mean ").append(String.join(" or ", u.getSuggestions())).append('?');
        }
        line.append(" (see ").append(name).append(" --help)");
        cmd.getErr().println(line);
        cmd.getErr().flush();
        return 2;
    }

    /**
     * The Java heap ran out: one line with the heap's size and what to change, exit 2.
     *
     * @param command the subcommand that ran (train, eval, ...), or null
     */
    static int outOfMemory(PrintWriter err, String command) {
        double maxGb = Runtime.getRuntime().maxMemory() / 1e9;
        err.printf("spool%s: error: out of memory: this run needs more than the Java heap's %.1f GB; %s, or give Java more memory,"
                        + " e.g. SPOOL_JAVA_OPTS=-Xmx%dg ./spool ...%n", command == null ? "" : " " + command, maxGb,
                SMALLER.getOrDefault(command, "use smaller sizes"), Math.max(2, 2 * (long) Math.ceil(maxGb)));
        err.flush();
        return 2;
    }

    /** Messages of some libraries span lines; the contract is one line. */
    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
