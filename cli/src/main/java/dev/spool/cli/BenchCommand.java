package dev.spool.cli;

import dev.spool.backend.cuda.CudaBackend;
import dev.spool.backend.cuda.CudaTraining;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.nn.CellType;
import dev.spool.nn.GruFromOps;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.train.Initializer;
import dev.spool.nn.train.Sgd;
import dev.spool.nn.train.TrainingStep;
import dev.spool.runtime.internal.cpu.Blas;
import dev.spool.runtime.internal.cpu.GemmRate;
import dev.spool.runtime.internal.cpu.Profile;

import com.google.gson.GsonBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code spool bench --suite anchors}: one training step (forward, backward, clip 1.0, SGD lr 1) of
 * a one-hot character LM on random data for the anchor workloads; median of the timed steps.
 * {@code --suite cells} times user-defined cells against the built-in cell of the same FLOPs (a GRU
 * written from ops, {@link GruFromOps}, against the GRU; MyRNN against the tanh RNN) and prints the
 * ratio: the compiler sees only ops, so a custom cell should cost what the built-in one does.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, subcommands = ScanVsUnrollCommand.class,
        description = {"Time training steps and forward passes of the anchor workloads (or of user-defined cells).",
                "One training step = forward, backward, clip 1, SGD lr 1 of a one-hot char LM (vocab 28, linear head, mean",
                "cross-entropy, random data); the median of the timed steps after warm-up is reported.",
                "--suite cells: user-defined cells (a GRU written from ops, MyRNN) against the built-in cell of the same FLOPs."},
        footer = {"", "Examples:", "  spool bench --suite anchors --metrics bench.json", "  spool bench --suite cells"})
final class BenchCommand implements Callable<Integer> {

    /** An anchor workload: cell, hidden size, batch and steps. */
    record Workload(String name, CellType cell, int hidden, int batch, int steps) {
    }

    /** A user-defined cell and the built-in cell with the same FLOPs it is compared with. */
    record CellPair(String name, Workload builtIn, boolean gruFromOps) {
    }

    static final List<CellPair> CELLS = List.of(
            new CellPair("gru-from-ops_h256_b32_t35", new Workload("gru_h256_b32_t35", CellType.GRU, 256, 32, 35), true),
            new CellPair("myrnn_h256_b32_t35", new Workload("rnn_h256_b32_t35", CellType.RNN, 256, 32, 35), false));

    static final List<Workload> ANCHORS = List.of(
            new Workload("rnn_h32_b1024_t32", CellType.RNN, 32, 1024, 32),
            new Workload("gru_h256_b32_t35", CellType.GRU, 256, 32, 35),
            new Workload("lstm_h256_b32_t35", CellType.LSTM, 256, 32, 35),
            new Workload("lstm_h1024_b64_t100", CellType.LSTM, 1024, 64, 100));

    @Option(names = "--suite", defaultValue = "anchors", paramLabel = "anchors|cells", description = "Workload suite (default: ${DEFAULT-VALUE}).")
    String suite;

    @Option(names = "--only", paramLabel = "NAME", description = "Run only the workloads whose name contains NAME.")
    String only;

    @Option(names = "--repeat", defaultValue = "5", description = "Timed training steps per workload, >= 5 for the contract (default: ${DEFAULT-VALUE}).")
    int timed;

    /** The old name of --repeat (--steps is the sequence length in every other command). */
    @Option(names = "--steps", hidden = true)
    Integer timedDeprecated;

    @Option(names = "--warmup", defaultValue = "10", description = "Untimed warm-up steps, at least (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "6", paramLabel = "S",
            description = "Keep warming up until this much time has passed: the JIT compiles the kernels in the background (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--metrics", paramLabel = "FILE.json",
            description = "Write {name: {ms_per_step, tokens_per_s, inference_ms_per_step, inference_tokens_per_s}, sgemm_gflops} as JSON.")
    Path metrics;

    @Option(names = "--profile", description = "After each workload, print where the time of the timed steps went: per instruction kind"
            + " (gemm, kernel, ...) and the most expensive instructions, for the training step and the forward pass. Timing each"
            + " instruction adds about 30 ns to it, so the ms/step printed (and written with --metrics) are slightly higher.")
    boolean profile;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "cpu|cuda", description = "Where to run (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--cuda-graphs", description = "With --backend cuda: capture each scan loop as a CUDA graph on the first run and replay it after.")
    boolean cudaGraphs;

    @Mixin
    CompilerOptions compiler;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!suite.equals("anchors") && !suite.equals("cells")) {
            throw new ErrorReporter.UserError("--suite must be anchors or cells, got '" + suite + "'");
        }
        if (timedDeprecated != null) {
            timed = timedDeprecated;
            spec.commandLine().getErr().println("spool bench: note: --steps is now --repeat (--steps still works, but is deprecated)");
        }
        if (timed < 1 || warmup < 0 || !(warmupSeconds >= 0)) {
            throw new ErrorReporter.UserError("--repeat must be >= 1, --warmup and --warmup-seconds >= 0; got " + timed + ", " + warmup + " and "
                    + warmupSeconds);
        }
        if (only != null && (suite.equals("cells") ? CELLS.stream().map(CellPair::name) : ANCHORS.stream().map(Workload::name))
                .noneMatch(n -> n.contains(only))) {
            throw new ErrorReporter.UserError("--only '" + only + "' matches no workload of --suite " + suite + "; workloads: "
                    + String.join(", ", (suite.equals("cells") ? CELLS.stream().map(CellPair::name) : ANCHORS.stream().map(Workload::name)).toList()));
        }
        if (metrics != null) {
            OutputFiles.checkWritable(metrics);
        }
        compiler.pipeline();
        Backend device = Backend.check(backend);
        if (device == Backend.CUDA && profile) {
            throw new ErrorReporter.UserError("--profile times the CPU backend's instructions; it cannot be used with --backend cuda");
        }
        PrintWriter out = spec.commandLine().getOut();
        // Best of 40 calls (0.2-0.4 s), not 5: best-of-5 read anywhere from 94 to 205 GFLOP/s within ten
        // minutes on one machine, best-of-40 195-207 right after.
        double gflops = device == Backend.CPU ? GemmRate.sgemmGflops(1024, 40) : Double.NaN;
        if (device == Backend.CPU) {
            Blas.coreTypeWarning().ifPresent(w -> spec.commandLine().getErr().println("spool bench: note: " + w));
            out.printf("sgemm 1024^3: %.1f GFLOP/s%n", gflops);
        } else {
            out.printf("device: %s%s%n", CudaBackend.probe(), cudaGraphs ? ", scan loops replayed as CUDA graphs" : "");
        }
        Map<String, Object> json = new LinkedHashMap<>();
        if (suite.equals("cells")) {
            cells(out, json);
        } else {
            anchors(out, gflops, json);
        }
        if (device == Backend.CPU) {
            json.put("sgemm_gflops", gflops);
        }
        if (metrics != null) {
            OutputFiles.writeString(metrics, new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n");
            out.printf("wrote %s%n", metrics);
        }
        return 0;
    }

    private void anchors(PrintWriter out, double gflops, Map<String, Object> json) {
        for (Workload w : ANCHORS) {
            if (only != null && !w.name().contains(only)) {
                continue;
            }
            Timings t = time(Model.builtIn(w), w);
            double tokens = (double) w.batch() * w.steps() / (t.trainMs() / 1e3);
            double inferenceTokens = (double) w.batch() * w.steps() / (t.inferenceMs() / 1e3);
            out.printf("%-22s %9.2f ms/step %10.0f tokens/s  %5.1f GFLOP/s%s  inference %8.2f ms %10.0f tokens/s%n", w.name(),
                    t.trainMs(), tokens, flops(w) / (t.trainMs() / 1e3) / 1e9,
                    Double.isNaN(gflops) ? "" : String.format(" (%.0f%% of sgemm)", 100 * flops(w) / (t.trainMs() / 1e3) / 1e9 / gflops),
                    t.inferenceMs(), inferenceTokens);
            out.flush();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("ms_per_step", t.trainMs());
            entry.put("tokens_per_s", tokens);
            entry.put("inference_ms_per_step", t.inferenceMs());
            entry.put("inference_tokens_per_s", inferenceTokens);
            entry.put("train_program_ms", t.trainRunMs());
            json.put(w.name(), entry);
        }
    }

    /** Each user-defined cell and its built-in twin, timed back to back; the ratio is custom / built-in. */
    private void cells(PrintWriter out, Map<String, Object> json) {
        for (CellPair p : CELLS) {
            if (only != null && !p.name().contains(only)) {
                continue;
            }
            Workload w = p.builtIn();
            Timings builtIn = time(Model.builtIn(w), w);
            Timings custom = time(p.gruFromOps() ? Model.gruFromOps(w) : Model.builtIn(new Workload(p.name(), CellType.MYRNN, w.hidden(),
                    w.batch(), w.steps())), w);
            out.printf("%-26s %8.1f ms/step vs %-18s %8.1f ms/step: %.2fx (inference %.1f vs %.1f ms: %.2fx)%n", p.name(), custom.trainMs(),
                    w.name(), builtIn.trainMs(), custom.trainMs() / builtIn.trainMs(), custom.inferenceMs(), builtIn.inferenceMs(),
                    custom.inferenceMs() / builtIn.inferenceMs());
            out.flush();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("built_in", w.name());
            entry.put("ms_per_step", custom.trainMs());
            entry.put("built_in_ms_per_step", builtIn.trainMs());
            entry.put("ratio", custom.trainMs() / builtIn.trainMs());
            entry.put("inference_ratio", custom.inferenceMs() / builtIn.inferenceMs());
            json.put(p.name(), entry);
        }
    }

    /** A language model to time: its initial parameters and its training and logits graphs (time dim symbolic in the latter). */
    record Model(Map<String, Tensor> params, Graph training, Graph logits) {
        static Model builtIn(Workload w) {
            LanguageModel lm = new LanguageModel(new RecurrentConfig(w.cell(), 28, w.hidden(), 1, false, false, DType.F32));
            return new Model(initialParameters(w), lm.trainingGraph(w.steps(), 0), lm.logitsGraph());
        }

        /** The GRU written from ops, starting from the built-in GRU's initial weights (the same function). */
        static Model gruFromOps(Workload w) {
            GruFromOps gru = new GruFromOps(28, w.hidden(), DType.F32);
            return new Model(gru.fromPyTorch(initialParameters(w)), gru.trainingGraph(w.steps()), gru.logitsGraph("T"));
        }

        private static Map<String, Tensor> initialParameters(Workload w) {
            RecurrentConfig rnn = new RecurrentConfig(w.cell(), 28, w.hidden(), 1, false, false, DType.F32);
            SplittableRandom rnd = new SplittableRandom(0);
            Map<String, Tensor> params = new LinkedHashMap<>(Initializer.recurrent(rnn, rnd));
            params.putAll(Initializer.linear("linear.", w.hidden(), 28, DType.F32, rnd));
            return params;
        }
    }

    /**
     * Median milliseconds of a training step, of its compiled program alone ({@code trainRunMs}: on
     * the CPU backend the rest is the host's clip and SGD update; on the GPU, where they run on the
     * device inside the step, the two are the same call), and of a forward-only (logits) pass.
     */
    record Timings(double trainMs, double trainRunMs, double inferenceMs) {
    }

    private Timings time(Model m, Workload w) {
        Map<String, Tensor> params = new LinkedHashMap<>(m.params());
        Backend device = Backend.parse(backend);
        Backend.Program train = device.compile(m.training(), compiler.pipeline(), cudaGraphs);
        Backend.Program logits = device.compile(m.logits(), compiler.pipeline(), cudaGraphs);
        Profile trainProfile = profile ? train.profile() : null;
        Profile logitsProfile = profile ? logits.profile() : null;
        SplittableRandom rnd = new SplittableRandom(1);
        List<Double> runMs = new ArrayList<>();
        // The compiled training program alone is timed too (train_program_ms), without the host's clip and update.
        TrainingStep trainStep = new TrainingStep(feeds -> {
            long t0 = System.nanoTime();
            Map<String, Tensor> r = train.run(feeds);
            runMs.add((System.nanoTime() - t0) / 1e6);
            return r;
        }, params, new Sgd(1, 0, 0), 1.0);
        long[] tokens = new long[w.batch() * w.steps()];
        long[] targets = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rnd.nextInt(28);
            targets[i] = rnd.nextInt(28);
        }
        int[] shape = {w.steps(), w.batch()};
        // On the GPU the clip and the update run there too and the parameters stay there: the step is one device call.
        CudaTraining onDevice = train.deviceSgd(params, 1.0, 1.0);
        double trainMs = median(() -> {
            if (onDevice != null) {
                long t0 = System.nanoTime();
                onDevice.step(Map.of("tokens", Tensor.ofLongs(shape, tokens), "targets", Tensor.ofLongs(shape, targets)));
                runMs.add((System.nanoTime() - t0) / 1e6);
                return;
            }
            trainStep.run(Map.of("tokens", Tensor.ofLongs(shape, tokens), "targets", Tensor.ofLongs(shape, targets)));
        }, trainProfile);
        if (onDevice != null) {
            params.putAll(onDevice.parameters());
        }
        double inferenceMs = median(() -> {
            Map<String, Tensor> feeds = new HashMap<>(params);
            feeds.put("tokens", Tensor.ofLongs(shape, tokens));
            logits.run(feeds);
        }, logitsProfile);
        if (profile) {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("profile of %d training steps (%s):%n%s", timed, w.name(), trainProfile.report(12).indent(2));
            out.printf("profile of %d forward passes (%s):%n%s", timed, w.name(), logitsProfile.report(8).indent(2));
        }
        List<Double> timedRuns = new ArrayList<>(runMs.subList(runMs.size() - timed, runMs.size()));
        timedRuns.sort(null);
        return new Timings(trainMs, timedRuns.get(timed / 2), inferenceMs);
    }

    /**
     * Median of {@code --repeat} timed runs after at least {@code --warmup} runs and {@code --warmup-seconds};
     * the profile, if any, covers the timed runs only.
     */
    private double median(Runnable step, Profile timedRuns) {
        long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int s = 0; s < warmup || System.nanoTime() < warmUntil; s++) {
            step.run();
        }
        if (timedRuns != null) {
            timedRuns.reset();
        }
        double[] ms = new double[timed];
        for (int s = 0; s < timed; s++) {
            long t0 = System.nanoTime();
            step.run();
            ms[s] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[timed / 2];
    }

    /**
     * GEMM FLOPs of one training step: per time step the input and hidden projections (G·H rows)
     * forward, and twice that backward (input and weight gradients), plus the head.
     */
    static double flops(Workload w) {
        double g = w.cell().gates() * w.hidden();
        double perStep = 2.0 * w.batch() * (28 + w.hidden()) * g;
        double head = 2.0 * w.batch() * w.hidden() * 28;
        return 3 * w.steps() * (perStep + head);
    }
}
