package dev.spool.cli;

import dev.spool.backend.cpu.artifact.ArtifactCompiler;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.internal.AtomicWrite;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import dev.spool.runtime.Signature;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code spool compile}: a recurrent layer or a trained language model, compiled ahead of time into a {@code .spool} artifact. */
@Command(name = "compile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compile a model ahead of time into a .spool artifact.",
                "'spool run' and the Java runtime (SpoolModel) load it without compiling anything. Either a recurrent layer on PyTorch weights (--cell/--weights, as spool eval:",
                "inputs 'input', optional 'h0'/'c0' and, with --lengths, 'lengths'; outputs 'output', 'h_n', 'c_n') or a trained",
                "language model (--load, from spool train --save: input 'tokens' (T,B) int64, optional 'h0'/'c0'; outputs",
                "'logits', 'h_n', 'c_n'). Batch size and sequence length stay dynamic unless fixed."},
        footer = {"", "Examples:", "  spool compile --cell lstm --weights W.safetensors --out lstm.spool",
                "  spool compile --load rnn.spool --steps dynamic --out rnn-lm.spool",
                "  spool run lstm.spool --inputs X.safetensors --out Y.safetensors"})
final class CompileCommand implements Callable<Integer> {

    @Option(names = "--cell", paramLabel = "rnn|rnn-relu|gru|lstm|myrnn", description = "The recurrent cell of a layer (with --weights).")
    String cell;

    @Option(names = "--weights", paramLabel = "W.safetensors", description = "The layer's state_dict (sizes come from it).")
    Path weights;

    @Option(names = "--load", paramLabel = "MODEL", description = "A language model written by spool train --save (instead of --cell/--weights).")
    Path load;

    @Option(names = "--layers", defaultValue = "1", description = "Stacked layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--bidirectional", description = "Both directions.")
    boolean bidirectional;

    @Option(names = "--batch-first", description = "'input' and 'output' are (B, T, F) instead of (T, B, F).")
    boolean batchFirst;

    @Option(names = "--lengths", description = "The layer takes per-row sequence lengths 'lengths' (B) int64.")
    boolean lengths;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|f64", description = "Element type (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--batch", defaultValue = "dynamic", paramLabel = "B|dynamic", description = "Fix the batch size, or keep it dynamic (default).")
    String batch;

    @Option(names = "--steps", defaultValue = "dynamic", paramLabel = "T|dynamic", description = "Fix the sequence length, or keep it dynamic (default).")
    String steps;

    @Option(names = "--out", required = true, paramLabel = "M.spool", description = "The artifact to write.")
    Path out;

    @Mixin
    CompilerOptions compiler;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((load == null) == (cell == null && weights == null)) {
            throw new ErrorReporter.UserError("give either --load MODEL (a trained language model) or --cell with --weights (a layer)");
        }
        Map<String, Integer> fixed = new LinkedHashMap<>();
        fixDim(fixed, "B", "--batch", batch);
        fixDim(fixed, "T", "--steps", steps);
        if (compiler.unrolls() && !fixed.containsKey("T")) {
            throw new ErrorReporter.UserError("unrolling needs a fixed sequence length: add --steps T, or compile the scan (--mode scan)");
        }
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put(load != null ? "--load" : "--weights", load != null ? load : weights);
        OutputFiles.checkDistinct(inputs, Map.of("--out", out));
        OutputFiles.checkWritable(out);

        long t0 = System.nanoTime();
        Graph graph;
        Map<String, Tensor> w;
        String sequence;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Signature.State> state = new ArrayList<>();
        boolean bidi;
        boolean lstm;
        if (load != null) {
            InputFiles.checkReadable("--load", load);
            ModelFile m = ModelFile.load(load);
            LanguageModel lm = m.model();
            graph = lm.statefulLogitsGraph();
            w = m.params();
            sequence = "tokens";
            metadata.put(ModelFile.KEY, SafeTensors.readMetadata(load).get(ModelFile.KEY));
            bidi = lm.rnn().bidirectional();
            lstm = lm.rnn().cell().hasCellState();
        } else {
            if (cell == null || weights == null) {
                throw new ErrorReporter.UserError("a layer needs both --cell and --weights");
            }
            InputFiles.checkReadable("--weights", weights);
            CellType cellType = CommonOptions.cell(cell);
            DType type = EvalCommand.parseDtype(dtype);
            w = SafeTensors.read(weights);
            Map<String, TensorType> wTypes = new LinkedHashMap<>();
            w.forEach((k, v) -> wTypes.put(k, v.type()));
            RecurrentConfig cfg = RecurrentConfig.fromWeights(cellType, wTypes, layers, bidirectional, batchFirst, type);
            graph = RecurrentLayer.graph(cfg, true, lengths);
            sequence = "input";
            bidi = bidirectional;
            lstm = cellType.hasCellState();
        }
        state.addAll(recurrentState(lstm));
        byte[] artifact = ArtifactCompiler.compile(graph, w, fixed, state, bidi || lengths ? null : sequence, compiler.pipeline(), metadata);
        double ms = (System.nanoTime() - t0) / 1e6;
        AtomicWrite.write(out, artifact);
        spec.commandLine().getOut().printf("wrote %s: %,d bytes, dims %s, compiled in %.0f ms%n", out, artifact.length, describeDims(fixed), ms);
        return 0;
    }

    /** The state a session carries for a recurrent layer: h0 from h_n, and c0 from c_n for an LSTM. */
    static List<Signature.State> recurrentState(boolean hasCellState) {
        return hasCellState ? List.of(new Signature.State("h0", "h_n"), new Signature.State("c0", "c_n"))
                : List.of(new Signature.State("h0", "h_n"));
    }

    private static void fixDim(Map<String, Integer> fixed, String dim, String flag, String value) {
        if (value.equals("dynamic")) {
            return;
        }
        try {
            int v = Integer.parseInt(value);
            if (v < 1) {
                throw new NumberFormatException();
            }
            fixed.put(dim, v);
        } catch (NumberFormatException e) {
            throw new ErrorReporter.UserError(flag + " must be a size >= 1 or 'dynamic', got '" + value + "'");
        }
    }

    private static String describeDims(Map<String, Integer> fixed) {
        List<String> d = new ArrayList<>();
        for (String name : List.of("T", "B")) {
            d.add(name + "=" + (fixed.containsKey(name) ? fixed.get(name) : "dynamic"));
        }
        return String.join(" ", d);
    }
}
