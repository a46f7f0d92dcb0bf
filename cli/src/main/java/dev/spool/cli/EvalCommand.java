package dev.spool.cli;

import dev.spool.compiler.ScanMemory;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.CellType;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** {@code spool eval}: runs a PyTorch-compatible recurrent layer on safetensors weights and inputs. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a recurrent layer (PyTorch nn.RNN/GRU/LSTM semantics and state_dict names) on inputs.",
                "Sizes come from the weights. Inputs file: 'input' (T,B,I) or (B,T,I) with --batch-first;",
                "optional 'h0', 'c0' (L*D,B,H) and 'lengths' (B) int64. Writes 'output', 'h_n' and 'c_n' (lstm)."},
        footer = {"", "Example:", "  spool eval --cell lstm --layers 2 --weights W.safetensors --inputs X.safetensors --out Y.safetensors"})
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--cell", required = true, paramLabel = "rnn|rnn-relu|gru|lstm|myrnn", description = "The recurrent cell.")
    String cell;

    @Option(names = "--layers", defaultValue = "1", description = "Stacked layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--bidirectional", description = "Both directions; layer k>0 reads both directions' outputs.")
    boolean bidirectional;

    @Option(names = "--batch-first", description = "'input' and 'output' are (B, T, F) instead of (T, B, F).")
    boolean batchFirst;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|f64", description = "Element type of weights and inputs (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--weights", required = true, paramLabel = "W.safetensors", description = "The layer's state_dict.")
    Path weights;

    @Option(names = "--inputs", required = true, paramLabel = "X.safetensors", description = "input, and optional h0, c0, lengths.")
    Path inputs;

    @Option(names = "--out", required = true, paramLabel = "Y.safetensors", description = "Where to write output, h_n, c_n.")
    Path out;

    @Option(names = "--grad", description = {"Also write gradients: grad.input, grad.h0, grad.c0 (lstm), grad.<weight>, of",
            "sum(output*grad_output) + sum(h_n*grad_h_n) [+ sum(c_n*grad_c_n)]; the inputs file then holds grad_output",
            "and optional grad_h_n, grad_c_n."})
    boolean grad;

    @Option(names = "--checkpoint", defaultValue = "0", paramLabel = "K",
            description = "With --grad: keep only every K-th carry and recompute the rest in the backward scan (T must be a multiple of K).")
    int checkpoint;

    @Option(names = "--dump", description = "Print the graph that runs (with --grad: forward and backward scans) to stdout.")
    boolean dump;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "cpu|cuda", description = "Where to run (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--cuda-graphs", description = "With --backend cuda: capture each scan loop as a CUDA graph on the first run and replay it after.")
    boolean cudaGraphs;

    @Option(names = "--repeat", defaultValue = "1", description = "Run the forward pass this many times and report the median time (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Mixin
    CompilerOptions compiler;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        DType type = parseDtype(dtype);
        CellType cellType = CommonOptions.cell(cell);
        Map<String, Tensor> w = SafeTensors.read(weights);
        Map<String, TensorType> wTypes = new LinkedHashMap<>();
        w.forEach((k, v) -> wTypes.put(k, v.type()));
        RecurrentConfig cfg = RecurrentConfig.fromWeights(cellType, wTypes, layers, bidirectional, batchFirst, type);
        Map<String, Tensor> in = SafeTensors.read(inputs);
        RecurrentLayer.checkInputs(cfg, in, grad);

        long t0 = System.nanoTime();
        int steps = in.get("input").dim(batchFirst ? 1 : 0);
        Graph g = grad ? RecurrentLayer.gradientGraph(cfg, in.containsKey("lengths"), in.containsKey("grad_h_n"), in.containsKey("grad_c_n"),
                checkpoint, checkpoint > 1 ? steps : null)
                : RecurrentLayer.graph(cfg, in.containsKey("h0"), in.containsKey("lengths"));
        if (dump) {
            spec.commandLine().getOut().print(g);
        }
        Backend.Program program = compile(g);
        double compileMs = (System.nanoTime() - t0) / 1e6;
        Map<String, Tensor> feeds = new HashMap<>(w);
        feeds.putAll(in);
        if (in.containsKey("lengths")) {
            feeds.put("lengths", asI64(in.get("lengths")));
        }
        if (grad) {
            // The gradient graph always takes the initial state, so grad.h0 exists even when h0 defaults to zeros.
            int batch = in.get("input").dim(batchFirst ? 0 : 1);
            int[] state = {cfg.layers() * cfg.directions(), batch, cfg.hiddenSize()};
            feeds.putIfAbsent("h0", Tensor.zeros(type, state));
            if (cellType.hasCellState()) {
                feeds.putIfAbsent("c0", Tensor.zeros(type, state));
            }
        }
        double[] runMs = new double[repeat];
        Map<String, Tensor> result = null;
        for (int i = 0; i < repeat; i++) {
            long t1 = System.nanoTime();
            result = program.run(feeds);
            runMs[i] = (System.nanoTime() - t1) / 1e6;
        }
        SafeTensors.write(out, result);

        StringJoiner summary = new StringJoiner(", ");
        result.forEach((k, v) -> summary.add(k + " " + v.type()));
        var o = spec.commandLine().getOut();
        o.printf("wrote %s: %s%n", out, summary);
        if (grad) {
            int batch = in.get("input").dim(batchFirst ? 0 : 1);
            o.printf("stacked activations kept for the backward scans: %,d bytes%s%n",
                    ScanMemory.stackedBytes(program.graph(), Map.of("B", batch, "T", steps)),
                    checkpoint > 1 ? " (checkpoint every " + checkpoint + " steps)" : "");
        }
        Arrays.sort(runMs);
        o.printf("%s; compile %.1f ms, forward %.2f ms%s%n", cfg.describe(), compileMs, runMs[repeat / 2],
                repeat > 1 ? " (median of " + repeat + " runs)" : "");
        return 0;
    }

    private Backend.Program compile(Graph g) {
        try {
            return Backend.parse(backend).compile(g, compiler.pipeline(), cudaGraphs);
        } catch (dev.spool.graph.GraphException e) {
            throw new ErrorReporter.UserError(e.getMessage());
        }
    }

    private void checkOptions() {
        compiler.pipeline();
        Backend.check(backend);
        if (checkpoint < 0 || checkpoint > 0 && !grad) {
            throw new ErrorReporter.UserError("--checkpoint K needs --grad and K >= 1, got " + checkpoint + (grad ? "" : " without --grad"));
        }
        if (repeat < 1) {
            throw new ErrorReporter.UserError("--repeat must be >= 1, got " + repeat);
        }
        if (layers < 1) {
            throw new ErrorReporter.UserError("--layers must be >= 1, got " + layers);
        }
        InputFiles.checkReadable("--weights", weights);
        InputFiles.checkReadable("--inputs", inputs);
        OutputFiles.checkDistinct(Map.of("--weights", weights, "--inputs", inputs), Map.of("--out", out));
        OutputFiles.checkWritable(out);
    }

    static DType parseDtype(String s) {
        return switch (s) {
            case "f32" -> DType.F32;
            case "f64" -> DType.F64;
            default -> throw new ErrorReporter.UserError("--dtype must be f32 or f64, got '" + s + "'");
        };
    }


    static Tensor asI64(Tensor t) {
        if (t.dtype() == DType.I64) {
            return t;
        }
        Tensor r = Tensor.zeros(DType.I64, t.shape());
        for (int i = 0; i < t.size(); i++) {
            r.setLong(i, t.getLong(i));
        }
        return r;
    }
}
