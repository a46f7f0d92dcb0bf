package dev.spool.cli;

import dev.spool.nn.CellType;
import picocli.CommandLine.Option;

/** Options every command takes (a picocli mixin); {@link ErrorReporter} reads {@code --verbose}. */
final class CommonOptions {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    /** The value of a {@code --cell} option, or a usage error listing the cells. */
    static CellType cell(String value) {
        try {
            return CellType.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UserError("--cell: " + e.getMessage());
        }
    }
}
