package dev.spool.cli;

import com.google.gson.GsonBuilder;
import dev.spool.backend.cuda.CudaTraining;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.ScanMemory;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.data.TimeMachine;
import dev.spool.nn.train.Adam;
import dev.spool.nn.train.Initializer;
import dev.spool.nn.train.Optimizer;
import dev.spool.nn.train.Sgd;
import dev.spool.nn.train.TrainingStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code spool train}: the d2l character language model on The Time Machine, trained with symbolic
 * gradients (the backward of each recurrent layer is a reversed scan). Defaults are d2l 1.0's
 * concise RNN recipe.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a character language model (d2l 1.0 TimeMachine pipeline; defaults = the d2l concise RNN recipe).",
                "Prints progress and perplexity per epoch, tokens/s, a sampled continuation, and writes a perplexity plot."},
        footer = {"", "Examples:", "  spool train", "  spool train --cell gru --lr 4 --epochs 50 --save gru.spool --metrics gru.json"})
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--cell", defaultValue = "rnn", paramLabel = "rnn|gru|lstm", description = "Recurrent cell (default: ${DEFAULT-VALUE}).")
    String cell;

    @Option(names = "--hidden", defaultValue = "32", description = "Hidden units (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "1", description = "Stacked layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--bidirectional", description = "Bidirectional layers.")
    boolean bidirectional;

    @Option(names = "--batch", defaultValue = "1024", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "32", description = "Time steps per sequence (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--epochs", defaultValue = "100", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "1", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--clip", defaultValue = "1", description = "Global gradient-norm clipping threshold; 0 turns it off (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--optimizer", defaultValue = "sgd", paramLabel = "sgd|adam", description = "Optimizer (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for initialisation, shuffling and sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "cpu|cuda", description = "Where to run (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--cuda-graphs", description = "With --backend cuda: capture each scan loop as a CUDA graph on the first run and replay it after.")
    boolean cudaGraphs;

    @Option(names = "--checkpoint", defaultValue = "0", paramLabel = "K",
            description = "Keep every K-th carry and recompute the rest in the backward scan (K must divide --steps).")
    int checkpoint;

    @Option(names = "--text", paramLabel = "FILE", description = "Training text (default: the bundled Time Machine).")
    Path text;

    @Option(names = "--save", paramLabel = "FILE.spool", description = "Write the trained weights and configuration (safetensors).")
    Path save;

    @Option(names = "--plot", defaultValue = "perplexity.png", paramLabel = "FILE.png", description = "Perplexity plot (default: ${DEFAULT-VALUE}).")
    Path plot;

    @Option(names = "--prefix", defaultValue = "it has", description = "Prefix of the sampled continuation (default: '${DEFAULT-VALUE}').")
    String prefix;

    @Option(names = "--predict", defaultValue = "20", description = "Characters to predict after the prefix (default: ${DEFAULT-VALUE}).")
    int predict;

    @Option(names = "--metrics", paramLabel = "FILE.json", description = "Write train_ppl, val_ppl, tokens_per_s, seconds, epochs, sample as JSON.")
    Path metrics;

    @Option(names = "--quiet", description = "No progress bar, only a line per epoch.")
    boolean quiet;

    @Mixin
    CompilerOptions compiler;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        TimeMachine data = text == null ? TimeMachine.bundled(steps) : TimeMachine.load(InputFiles.readUtf8("--text", text), steps);
        CellType cellType = CellType.parse(cell);
        RecurrentConfig rnn = new RecurrentConfig(cellType, data.vocab().size(), hidden, layers, bidirectional, false, DType.F32);
        LanguageModel lm = new LanguageModel(rnn);
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> params = new LinkedHashMap<>(Initializer.recurrent(rnn, rnd));
        params.putAll(Initializer.linear("linear.", hidden * rnn.directions(), data.vocab().size(), DType.F32, rnd));
        Pipeline pipeline = compiler.pipeline();
        Backend device = Backend.parse(backend);
        Backend.Program train = device.compile(lm.trainingGraph(steps, checkpoint), pipeline, cudaGraphs);
        Backend.Program loss = device.compile(lm.lossGraph(steps), pipeline, cudaGraphs);
        Optimizer opt = optimizer.equals("adam") ? new Adam(lr, 0.9, 0.999, 1e-8, 0) : new Sgd(lr, 0, 0);
        // SGD on the GPU keeps the parameters there (clip and update run on the device); Adam steps on the host.
        CudaTraining onDevice = optimizer.equals("sgd") ? train.deviceSgd(params, clip, lr) : null;
        TrainingStep trainStep = onDevice == null ? new TrainingStep(train::run, params, opt, clip > 0 ? clip : Double.POSITIVE_INFINITY) : null;

        out.printf("training %s (%d parameters) on %,d windows of %d steps, batch %d, %d epoch%s, %s lr %s%n",
                rnn.describe(), params.values().stream().mapToInt(Tensor::size).sum(), data.numTrain(), steps, batch, epochs,
                epochs == 1 ? "" : "s", optimizer, lr);
        out.printf("activations kept for the backward scans: %.1f MB per batch%s%n",
                ScanMemory.stackedBytes(train.graph(), Map.of("B", batch)) / 1e6,
                checkpoint > 1 ? " (checkpoint every " + checkpoint + " steps)" : "");
        out.flush();
        List<Double> trainPpl = new ArrayList<>();
        List<Double> valPpl = new ArrayList<>();
        long tokens = 0;
        double seconds = 0;
        var batches = data.trainBatches(batch, rnd);
        boolean bar = !quiet && System.console() != null;
        try (TrainingProgress progress = new TrainingProgress(epochs, batches.size(), out, bar)) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                if (epoch > 1) {
                    batches = data.trainBatches(batch, rnd);
                }
                progress.startEpoch(epoch);
                double lossSum = 0;
                long epochTokens = 0;
                long t0 = System.nanoTime();
                for (int step = 0; step < batches.size(); step++) {
                    TimeMachine.Batch bt = batches.get(step);
                    double l;
                    double norm;
                    if (onDevice != null) {
                        CudaTraining.Step st = onDevice.step(Map.of("tokens", bt.inputs(), "targets", bt.targets()));
                        l = st.loss();
                        norm = clip > 0 ? st.gradientNorm() : 0;
                    } else {
                        TrainingStep.Result r = trainStep.run(Map.of("tokens", bt.inputs(), "targets", bt.targets()));
                        l = r.loss();
                        norm = r.gradientNorm();
                    }
                    // A mean loss above 700 nats per token (uniform guessing is ln 28 = 3.3) overflows the perplexity: diverged.
                    if (!(l < 700) || !Double.isFinite(norm)) {
                        throw new ErrorReporter.UserError(String.format("training diverged at epoch %d, step %d: loss %s, gradient norm %s;"
                                + " try a lower --lr (now %s) or --clip (now %s)", epoch, step + 1, l, norm, lr, clip));
                    }
                    int n = bt.inputs().size();
                    lossSum += l * n;
                    epochTokens += n;
                    progress.step(l, n);
                }
                seconds += (System.nanoTime() - t0) / 1e9;
                tokens += epochTokens;
                trainPpl.add(Math.exp(lossSum / epochTokens));
                if (onDevice != null) {
                    params.putAll(onDevice.parameters());
                }
                valPpl.add(Math.exp(meanLoss(loss, params, data.validationBatches(batch))));
                progress.endEpoch(String.format("epoch %d/%d  train ppl %.2f  val ppl %.2f  %,.0f tokens/s", epoch, epochs,
                        trainPpl.get(epoch - 1), valPpl.get(epoch - 1), tokens / seconds));
            }
        }
        // As spool sample does: one step per character with the state carried, unless bidirectional.
        String sample = prefix + data.vocab().decode(SampleCommand.continueText(lm, params,
                rnn.bidirectional() ? null : SampleCommand.session(lm, params), data.vocab().encode(prefix), predict, 0, rnd));
        out.printf("train perplexity %.2f, validation perplexity %.2f, %,.0f tokens/s (%.1f s)%n",
                trainPpl.get(epochs - 1), valPpl.get(epochs - 1), tokens / seconds, seconds);
        out.printf("%s%n", sample);
        // The model first: it is what took the time. A failed write never discards it (rescued elsewhere).
        List<String> failures = new ArrayList<>();
        if (save != null) {
            written(out, save, OutputFiles.writeOrRescue(save, ModelFile.encode(rnn, data.vocab(), params), "trained model"), failures);
        }
        if (metrics != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("train_ppl", trainPpl.get(epochs - 1));
            m.put("val_ppl", valPpl.get(epochs - 1));
            m.put("tokens_per_s", tokens / seconds);
            m.put("seconds", seconds);
            m.put("epochs", epochs);
            m.put("sample", sample);
            byte[] json = (new GsonBuilder().setPrettyPrinting().create().toJson(m) + "\n").getBytes(StandardCharsets.UTF_8);
            written(out, metrics, OutputFiles.writeOrRescue(metrics, json, "metrics file"), failures);
        }
        written(out, plot, OutputFiles.writeOrRescue(plot, PerplexityPlot.png(trainPpl, valPpl, rnn.describe() + ", lr " + lr), "plot"),
                failures);
        if (!failures.isEmpty()) {
            throw new ErrorReporter.UserError(String.join("; ", failures));
        }
        return 0;
    }

    private static void written(PrintWriter out, Path file, String failure, List<String> failures) {
        if (failure == null) {
            out.printf("wrote %s%n", file);
        } else {
            failures.add(failure);
        }
        out.flush();
    }

    /** Token-weighted mean loss over batches. */
    private static double meanLoss(Backend.Program loss, Map<String, Tensor> params, List<TimeMachine.Batch> batches) {
        double sum = 0;
        long n = 0;
        for (TimeMachine.Batch bt : batches) {
            Map<String, Tensor> feeds = new HashMap<>(params);
            feeds.put("tokens", bt.inputs());
            feeds.put("targets", bt.targets());
            sum += loss.run(feeds).get("loss").getDouble(0) * bt.inputs().size();
            n += bt.inputs().size();
        }
        return sum / n;
    }

    private void checkOptions() {
        CellType c = CommonOptions.cell(cell);
        if (c == CellType.RNN_RELU || c == CellType.MYRNN) {
            throw new ErrorReporter.UserError("--cell must be rnn, gru or lstm for training, got '" + cell + "'");
        }
        positive("--hidden", hidden);
        positive("--layers", layers);
        positive("--batch", batch);
        positive("--steps", steps);
        positive("--epochs", epochs);
        if (!(lr > 0)) {
            throw new ErrorReporter.UserError("--lr must be > 0, got " + lr);
        }
        if (!(clip >= 0)) {
            throw new ErrorReporter.UserError("--clip must be >= 0 (0 turns clipping off), got " + clip);
        }
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new ErrorReporter.UserError("--optimizer must be sgd or adam, got '" + optimizer + "'");
        }
        if (predict < 0) {
            throw new ErrorReporter.UserError("--predict must be >= 0, got " + predict);
        }
        if (checkpoint < 0 || checkpoint > 1 && steps % checkpoint != 0) {
            throw new ErrorReporter.UserError("--checkpoint must be a divisor of --steps " + steps + ", got " + checkpoint);
        }
        compiler.pipeline();
        Backend.check(backend);
        Map<String, Path> outputs = new LinkedHashMap<>();
        outputs.put("--save", save);
        outputs.put("--plot", plot);
        outputs.put("--metrics", metrics);
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("--text", text);
        OutputFiles.checkDistinct(inputs, outputs);
        for (Path p : outputs.values()) {
            if (p != null) {
                OutputFiles.checkWritable(p);
            }
        }
    }


    private static void positive(String flag, int v) {
        if (v < 1) {
            throw new ErrorReporter.UserError(flag + " must be >= 1, got " + v);
        }
    }
}
