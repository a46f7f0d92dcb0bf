package dev.spool.benchmarks;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import dev.spool.nn.train.Initializer;
import dev.spool.nn.train.Sgd;
import dev.spool.nn.train.TrainingStep;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The scan loop: a whole recurrent sequence, compiled as a {@code scan} (the loop stays a loop: one
 * cell body run T times by the backend's scan interpreter) against the same graph fully unrolled
 * ({@link Pipeline#unrolling(int) Pipeline.unrolling(0)}: T copies of the cell, fused across steps,
 * no loop overhead) and, for the forward pass, the reference interpreter
 * ({@link CpuBackend#reference}, op by op on the graph as written, no passes).
 *
 * <p>Why: Spool's claim is that keeping loops as scans costs nothing against unrolling (which
 * compiles a graph T times larger, and only for a fixed T) once push-out, accumulation sinking and
 * fusion have run; these benchmarks measure that claim, and the reference interpreter row shows what
 * the compiler buys at all.
 * <ul>
 *   <li>{@link #lstmForward}: a one-layer LSTM ({@code nn.RecurrentLayer}, input size 28, H=256,
 *       B=32, T=35, zero initial state), forward only: output and final states.</li>
 *   <li>{@link #charLmTrainStep}: one training step of the one-hot character LM (vocab 28, LSTM
 *       H=256, linear head, mean cross-entropy; B=32, T=35) on random tokens exactly as
 *       {@code spool bench} and {@code spool train} run it: the compiled training graph (forward
 *       and backward), global-norm gradient clipping at 1, SGD with lr 1 updating the parameters in
 *       place.</li>
 * </ul>
 * Both compile once in the trial set-up (the unrolled compile is the slow one) and run a few
 * warm-up steps there; the measured methods call only what the program and optimizer do.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ScanLoopBenchmark {
    static final int VOCAB = 28;
    static final int HIDDEN = 256;
    static final int BATCH = 32;
    static final int STEPS = 35;

    /** The LSTM layer's forward pass, run three ways. */
    @State(Scope.Benchmark)
    public static class Forward {
        @Param({"scan", "unrolled", "reference"})
        public String mode;

        Function<Map<String, Tensor>, Map<String, Tensor>> program;
        Map<String, Tensor> feeds;

        @Setup(Level.Trial)
        public void setUp() {
            RecurrentConfig cfg = new RecurrentConfig(CellType.LSTM, VOCAB, HIDDEN, 1, false, false, DType.F32);
            Graph g = RecurrentLayer.graph(cfg, false, false);
            feeds = Feeds.random(g, Map.of("T", STEPS, "B", BATCH), 3);
            program = switch (mode) {
                case "scan" -> CpuBackend.compile(g, Pipeline.standard())::run;
                case "unrolled" -> CpuBackend.compile(g, Pipeline.unrolling(0))::run;
                case "reference" -> CpuBackend.reference(g)::run;
                default -> throw new IllegalArgumentException("mode must be scan, unrolled or reference, got " + mode);
            };
            for (int i = 0; i < (mode.equals("reference") ? 3 : 50); i++) {
                program.apply(feeds);
            }
        }
    }

    /** The char-LM training step, scan or unrolled. */
    @State(Scope.Benchmark)
    public static class Training {
        @Param({"scan", "unrolled"})
        public String mode;

        final Map<String, Tensor> params = new LinkedHashMap<>();
        /** Tokens and targets; TrainingStep feeds the parameters, the same tensors SGD updates in place. */
        final Map<String, Tensor> batch = new HashMap<>();
        TrainingStep trainStep;

        @Setup(Level.Trial)
        public void setUp() {
            RecurrentConfig cfg = new RecurrentConfig(CellType.LSTM, VOCAB, HIDDEN, 1, false, false, DType.F32);
            LanguageModel lm = new LanguageModel(cfg);
            // As spool bench: parameters from the training initializer, seeded; random tokens and targets.
            SplittableRandom rnd = new SplittableRandom(0);
            params.putAll(Initializer.recurrent(cfg, rnd));
            params.putAll(Initializer.linear("linear.", HIDDEN, VOCAB, DType.F32, rnd));
            Pipeline pipeline = switch (mode) {
                case "scan" -> Pipeline.standard();
                case "unrolled" -> Pipeline.unrolling(0);
                default -> throw new IllegalArgumentException("mode must be scan or unrolled, got " + mode);
            };
            CpuProgram train = CpuBackend.compile(lm.trainingGraph(STEPS, 0), pipeline);
            trainStep = new TrainingStep(train::run, params, new Sgd(1, 0, 0), 1.0);
            SplittableRandom data = new SplittableRandom(1);
            long[] tokens = new long[BATCH * STEPS];
            long[] targets = new long[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = data.nextInt(VOCAB);
                targets[i] = data.nextInt(VOCAB);
            }
            batch.put("tokens", Tensor.ofLongs(new int[] {STEPS, BATCH}, tokens));
            batch.put("targets", Tensor.ofLongs(new int[] {STEPS, BATCH}, targets));
            for (int i = 0; i < 20; i++) {
                step();
            }
        }

        /** One step as spool bench/train: run forward and backward, clip the global norm at 1, SGD lr 1. */
        double step() {
            return trainStep.run(batch).loss();
        }
    }

    @Benchmark
    public Map<String, Tensor> lstmForward(Forward s) {
        return s.program.apply(s.feeds);
    }

    @Benchmark
    public double charLmTrainStep(Training s) {
        return s.step();
    }
}
