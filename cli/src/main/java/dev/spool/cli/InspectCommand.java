package dev.spool.cli;

import dev.spool.compiler.Pass;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.DotPrinter;
import dev.spool.graph.Graph;
import dev.spool.graph.Node;
import dev.spool.graph.ScanOp;
import dev.spool.nn.CellType;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code spool inspect}: a layer's graph (or its gradient graph) after each compiler pass. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print a recurrent layer's graph after each compiler pass (with --grad: the forward and backward scans).",
        footer = {"", "Examples:", "  spool inspect --cell lstm --grad", "  spool inspect --cell gru --no-pass pushout --dot gru.dot"})
final class InspectCommand implements Callable<Integer> {

    @Option(names = "--cell", defaultValue = "rnn", paramLabel = "rnn|rnn-relu|gru|lstm|myrnn", description = "The cell (default: ${DEFAULT-VALUE}).")
    String cell;

    @Option(names = "--input", defaultValue = "3", description = "Input features (default: ${DEFAULT-VALUE}).")
    int input;

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

    @Option(names = "--no-pass", paramLabel = "NAME", split = ",", description = "Turn passes off by name (e.g. pushout, dce).")
    List<String> disabled;

    @Option(names = "--dot", paramLabel = "FILE.dot", description = "Also write the final graph as Graphviz DOT.")
    Path dot;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CellType c = CommonOptions.cell(cell);
        if (input < 1 || hidden < 1 || layers < 1) {
            throw new ErrorReporter.UserError("--input, --hidden and --layers must be >= 1");
        }
        if (dot != null) {
            AtomicFiles.checkWritable(dot);
        }
        RecurrentConfig cfg = new RecurrentConfig(c, input, hidden, layers, bidirectional, false, DType.F32);
        Graph g = grad ? RecurrentLayer.gradientGraph(cfg, lengths, true, c.hasCellState()) : RecurrentLayer.graph(cfg, false, lengths);
        Pipeline pipeline = disabled == null ? Pipeline.standard() : Pipeline.standard().without(new HashSet<>(disabled));
        PrintWriter out = spec.commandLine().getOut();
        out.printf("== input: %s%n%s", summary(g), g);
        for (Pass p : pipeline.passes()) {
            g = p.run(g);
            out.printf("%n== after %s: %s%n%s", p.name(), summary(g), g);
        }
        if (dot != null) {
            AtomicFiles.writeString(dot, DotPrinter.print(g));
            out.printf("wrote %s%n", dot);
        }
        out.printf("passes: %s%n", Arrays.toString(pipeline.passes().stream().map(Pass::name).toArray()));
        return 0;
    }

    /** e.g. {@code 23 nodes, 2 scans (41 body nodes)}. */
    private static String summary(Graph g) {
        long scans = g.nodes().stream().filter(n -> n.op() instanceof ScanOp).count();
        long bodyNodes = g.nodes().stream().filter(n -> n.op() instanceof ScanOp).mapToLong(n -> count(((ScanOp) n.op()).body())).sum();
        return g.nodes().size() + " nodes, " + scans + " scan" + (scans == 1 ? "" : "s") + " (" + bodyNodes + " body nodes)";
    }

    private static long count(Graph g) {
        long n = g.nodes().size();
        for (Node m : g.nodes()) {
            if (m.op() instanceof ScanOp s) {
                n += count(s.body());
            }
        }
        return n;
    }
}
