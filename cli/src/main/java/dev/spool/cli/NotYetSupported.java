package dev.spool.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * Commands of a later milestone (ahead-of-time artifacts: {@code spool compile} and {@code spool
 * run}): known to the parser, hidden from the usage, and refused with README's "not yet supported"
 * line (exit 2) whatever their flags, instead of picocli's "Did you mean" for an unknown command.
 */
@Command(hidden = true)
final class NotYetSupported implements Callable<Integer> {
    /** Fresh instances for one parse (picocli fills their fields). */
    static List<NotYetSupported> commands() {
        String artifacts = "ahead-of-time artifacts (spool compile / spool run) arrive in a later release";
        return List.of(new NotYetSupported("compile", artifacts), new NotYetSupported("run", artifacts));
    }

    private final String name;
    private final String arrives;

    @Unmatched
    List<String> ignored;

    private NotYetSupported(String name, String arrives) {
        this.name = name;
        this.arrives = arrives;
    }

    String name() {
        return name;
    }

    @Override
    public Integer call() {
        throw new ErrorReporter.UserError("not yet supported: " + arrives);
    }
}
