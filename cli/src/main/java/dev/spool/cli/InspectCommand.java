package dev.spool.cli;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.compiler.Pass;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.Unroll;
import dev.spool.compiler.lower.Lowering;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphException;
import dev.spool.graph.internal.DotPrinter;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import dev.spool.ops.internal.Fused;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramPrinter;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code spool inspect}: what the compiler does to a layer's graph (or its gradient graph, or the
 * char LM's training step): the graph after each pass, the fusion groups, the lowered program, the
 * memory plan with its peak bytes, and the generated kernel source.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show what the compiler does to a recurrent layer's graph, pass by pass, down to the generated kernels.",
                "With --grad: its gradient graph; with --lm: the char LM's training step. Prints the graph after each pass, the",
                "fusion groups, the lowered program, the memory plan and the kernels."},
        footer = {"", "Examples:", "  spool inspect --cell lstm --grad", "  spool inspect --cell gru --no-pushout --dot gru.dot",
                "  spool inspect --lm --cell lstm --hidden 8 --vocab 28 --show fusion,memory,kernels"})
final class InspectCommand implements Callable<Integer> {
    private static final Set<String> SECTIONS = Set.of("passes", "fusion", "program", "memory", "kernels");

    @Option(names = "--cell", defaultValue = "rnn", paramLabel = "rnn|rnn-relu|gru|lstm|myrnn", description = "The cell (default: ${DEFAULT-VALUE}).")
    String cell;

    @Option(names = "--input", defaultValue = "3", description = "Input features (default: ${DEFAULT-VALUE}).")
    int input;

    @Option(names = "--vocab", description = "With --lm: the vocabulary size (default: the --input value, 3; --input still works with --lm).")
    Integer vocab;

    @Option(names = "--hidden", defaultValue = "4", description = "Hidden units (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "1", description = "Stacked layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--bidirectional", description = "Both directions.")
    boolean bidirectional;

    @Option(names = "--lengths", description = "With per-row sequence lengths (masked scans).")
    boolean lengths;

    @Option(names = "--grad", description = "Inspect the gradient graph (what eval --grad runs).")
    boolean grad;

    @Option(names = "--lm", description = "Inspect the char language model's training step (what train and bench run).")
    boolean lm;

    @Option(names = "--batch", defaultValue = "2", description = "Batch size B to lower the program for (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "3", description = "Sequence length T to lower the program for (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--show", split = ",", paramLabel = "SECTION",
            description = "What to print: passes (the graph after each pass), fusion, program, memory, kernels"
                    + " (default: passes,fusion,program,memory).")
    List<String> show = List.of("passes", "fusion", "program", "memory");

    @Option(names = "--dot", paramLabel = "FILE.dot", description = "Also write the final graph as Graphviz DOT.")
    Path dot;

    @Mixin
    CompilerOptions compiler;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CellType c = CommonOptions.cell(cell);
        if (input < 1 || hidden < 1 || layers < 1 || batch < 1 || steps < 1 || vocab != null && vocab < 1) {
            throw new ErrorReporter.UserError("--input, --vocab, --hidden, --layers, --batch and --steps must be >= 1");
        }
        if (lm && (grad || lengths)) {
            throw new ErrorReporter.UserError((grad ? "--grad" : "--lengths") + " does not apply to --lm, which inspects the language model's"
                    + " training step (its gradients included); drop " + (grad ? "--grad" : "--lengths") + " or --lm");
        }
        if (!lm && vocab != null) {
            throw new ErrorReporter.UserError("--vocab is the language model's vocabulary size: it needs --lm (a layer's input size is --input)");
        }
        Set<String> sections = new LinkedHashSet<>(show);
        if (!SECTIONS.containsAll(sections)) {
            sections.removeAll(SECTIONS);
            throw new ErrorReporter.UserError("--show: unknown section " + sections + "; sections are passes, fusion, program, memory, kernels");
        }
        if (dot != null) {
            OutputFiles.checkWritable(dot);
        }
        Pipeline pipeline = compiler.pipeline();
        Graph input = graph(c);
        PrintWriter out = spec.commandLine().getOut();
        boolean passes = sections.contains("passes");
        if (passes) {
            out.printf("== input: %s%n%s", summary(input), input);
        }
        Graph[] last = {input};
        Pipeline.Trace trace = new Pipeline.Trace() {
            @Override
            public void graph(String pass, Graph g) {
                last[0] = g;
                if (passes) {
                    out.printf("%n== after %s: %s%n%s", pass, summary(g), g);
                }
            }

            @Override
            public void program(String pass, Program p) {
                if (passes) {
                    out.printf("%n== program after %s: %s%n%s", pass, summary(p), ProgramPrinter.print(p));
                }
            }
        };
        Map<String, Integer> dims = Map.of("B", batch, "T", steps);
        if (passes) {
            out.printf("%n-- graph stage (sizes symbolic)%n");
        }
        Graph g = stage(() -> pipeline.run(input, trace));
        for (Pass p : pipeline.sizedStage()) {
            if (p instanceof Unroll u) {
                out.printf("%n== loops (%s)%n", compiler.auto() ? "--mode auto" : "unroll");
                u.decisions(Lowering.bind(g, dims)).forEach(line -> out.printf("  %s%n", line));
            }
        }
        if (passes) {
            out.printf("%n-- program stage for B=%d, T=%d%n", batch, steps);
        }
        Program program = stage(() -> pipeline.compile(g, dims, CpuBackend.TARGET, trace));
        out.printf("passes: %s%n", pipeline.describe());
        if (sections.contains("fusion")) {
            out.printf("%n== fusion groups%n");
            fusionGroups(last[0], "", out);
        }
        if (sections.contains("program")) {
            out.printf("%n== program for B=%d, T=%d%n%s", batch, steps, ProgramPrinter.print(program));
        }
        if (sections.contains("memory")) {
            out.printf("%n== memory plan%s%n%s", pipeline.plansMemory() ? "" : " (memplan off: every buffer its own memory)",
                    MemoryPlanner.describe(program).describe());
        }
        if (sections.contains("kernels")) {
            List<String> kernels = CpuBackend.compile(input, pipeline).kernelSources(dims);
            out.printf("%n== %d generated kernels%n", kernels.size());
            for (int i = 0; i < kernels.size(); i++) {
                out.printf("-- kernel %d%n%s", i, kernels.get(i));
            }
        }
        if (dot != null) {
            OutputFiles.writeString(dot, DotPrinter.print(last[0]));
            out.printf("wrote %s%n", dot);
        }
        return 0;
    }

    private Graph graph(CellType c) {
        if (lm) {
            if (c == CellType.RNN_RELU || c == CellType.MYRNN) {
                throw new ErrorReporter.UserError("--lm trains rnn, gru or lstm, got --cell " + cell);
            }
            RecurrentConfig rnn = new RecurrentConfig(c, vocab != null ? vocab : input, hidden, layers, bidirectional, false, DType.F32);
            return new LanguageModel(rnn).trainingGraph(steps, 0);
        }
        RecurrentConfig cfg = new RecurrentConfig(c, input, hidden, layers, bidirectional, false, DType.F32);
        return grad ? RecurrentLayer.gradientGraph(cfg, lengths, true, c.hasCellState()) : RecurrentLayer.graph(cfg, false, lengths);
    }

    /** Runs a stage; a graph the passes refuse is a usage error naming the reason. */
    private static <T> T stage(Supplier<T> stage) {
        try {
            return stage.get();
        } catch (GraphException e) {
            throw new ErrorReporter.UserError(e.getMessage());
        }
    }

    /** e.g. {@code 42 instructions (3 loops), 57 buffers}. */
    private static String summary(Program p) {
        int[] counts = new int[2];
        countInstructions(p.code(), counts);
        return counts[0] + " instructions (" + counts[1] + " loop" + (counts[1] == 1 ? "" : "s") + "), " + p.buffers().size() + " buffers"
                + (p.layout() != null ? String.format(", arena %,d bytes", p.layout().bytes()) : "");
    }

    private static void countInstructions(List<Instr> code, int[] counts) {
        for (Instr i : code) {
            counts[0]++;
            if (i instanceof Instr.Loop l) {
                counts[1]++;
                countInstructions(l.body(), counts);
            }
        }
    }

    /** One line per fused group: where it is, how many ops, operands and outputs. */
    private static void fusionGroups(Graph g, String path, PrintWriter out) {
        for (Node n : g.nodes()) {
            if (n.op() instanceof Fused f) {
                long ops = f.body().nodes().size() - f.body().params().size();
                out.printf("  %s%s: %d nodes, %d operands, %d outputs: %s%n", path, n.label(), ops, n.inputs().size(), n.outputs().size(),
                        f.attributes());
            } else if (n.op() instanceof ScanOp s) {
                fusionGroups(s.body(), path + n.label() + "/", out);
            }
        }
    }

    /** e.g. {@code 23 nodes, 2 scans (41 body nodes)}. */
    private static String summary(Graph g) {
        long scans = g.nodes().stream().filter(n -> n.op() instanceof ScanOp).count();
        long bodyNodes = g.nodes().stream().filter(n -> n.op() instanceof ScanOp).mapToLong(n -> ((ScanOp) n.op()).body().totalNodes()).sum();
        long fused = countFused(g);
        return g.nodes().size() + " nodes, " + scans + " scan" + (scans == 1 ? "" : "s") + " (" + bodyNodes + " body nodes)"
                + (fused > 0 ? ", " + fused + " fused groups" : "");
    }

    private static long countFused(Graph g) {
        long n = 0;
        for (Node m : g.nodes()) {
            if (m.op() instanceof Fused) {
                n++;
            } else if (m.op() instanceof ScanOp s) {
                n += countFused(s.body());
            }
        }
        return n;
    }
}
