package dev.spool.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code spool} command. Exit codes: 0 success, 2 bad usage or bad input (one line saying what
 * is wrong and how to fix it), 1 internal error.
 */
@Command(name = "spool", mixinStandardHelpOptions = true, version = "spool 0.1.0",
        description = "Spool: a loop-aware deep-learning graph compiler whose centre is a scan operator.",
        subcommands = {TrainCommand.class, SampleCommand.class, EvalCommand.class, CompileCommand.class, RunCommand.class, BenchCommand.class,
                InspectCommand.class, GpuSelftestCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** The first argument that names a subcommand, or null. */
    private static String subcommand(CommandLine cl, String... args) {
        for (String a : args) {
            if (cl.getSubcommands().containsKey(a)) {
                return a;
            }
        }
        return null;
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the CLI with the given output and error streams. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out); // after adding every subcommand: they inherit the streams
        cl.setErr(err);
        ErrorReporter reporter = new ErrorReporter();
        cl.setExecutionExceptionHandler(reporter);
        cl.setParameterExceptionHandler(reporter);
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) {
            code = ErrorReporter.outOfMemory(err, subcommand(cl, args));
        }
        out.flush();
        err.flush();
        return code;
    }
}
