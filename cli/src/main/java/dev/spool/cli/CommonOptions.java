package dev.spool.cli;

import picocli.CommandLine.Option;

/** Options every command takes (a picocli mixin); {@link ErrorReporter} reads {@code --verbose}. */
final class CommonOptions {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;
}
