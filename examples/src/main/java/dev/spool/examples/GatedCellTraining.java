package dev.spool.examples;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.nn.train.Sgd;
import dev.spool.nn.train.TrainingStep;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.spool.graph.DType.F32;

/**
 * A custom gated cell, written from ops, trained with {@link Grad#of} and SGD to follow an
 * exponential moving average of its input, {@code y_t = 0.5·y_{t−1} + 0.5·x_t}:
 *
 * <pre>
 * z  = sigmoid(x·Wzᵀ + h·Uzᵀ + bz)        the gate
 * c  = tanh(x·Wcᵀ + h·Ucᵀ + bc)          the candidate
 * h' = h + z·(c − h)                      = (1 − z)·h + z·c
 * ŷ  = h'·vᵀ + bv                         the readout, loss = mean((ŷ − y)²)
 * </pre>
 *
 * Predicting zero scores the target's variance, 1/9 ≈ 0.111; the example stops with an error
 * unless the held-out loss ends below {@value #TARGET_LOSS}.
 */
public final class GatedCellTraining {
    static final int HIDDEN = 8;
    static final int STEPS = 12;
    static final int BATCH = 32;
    static final int UPDATES = 300;
    static final double TARGET_LOSS = 0.001;

    /** The loss graph: inputs x, y (T, B, 1); parameters Wz, Uz, bz, Wc, Uc, bc, v, bv. */
    static Graph lossGraph() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 1);
        Value y = b.input("y", F32, "T", "B", 1);
        Value wz = b.parameter("Wz", F32, HIDDEN, 1);
        Value uz = b.parameter("Uz", F32, HIDDEN, HIDDEN);
        Value bz = b.parameter("bz", F32, HIDDEN);
        Value wc = b.parameter("Wc", F32, HIDDEN, 1);
        Value uc = b.parameter("Uc", F32, HIDDEN, HIDDEN);
        Value bc = b.parameter("bc", F32, HIDDEN);
        Value v = b.parameter("v", F32, 1, HIDDEN);
        Value bv = b.parameter("bv", F32, 1);

        ScanResult loop = b.scan(ScanOptions.DEFAULT, Map.of("h", b.zeros(F32, "B", HIDDEN)), List.of(x), (carry, xt) -> {
            Value h = carry.get("h");
            Value z = b.sigmoid(b.add(b.linear(xt.get(0), wz, bz), b.linear(h, uz, null)));
            Value c = b.tanh(b.add(b.linear(xt.get(0), wc, bc), b.linear(h, uc, null)));
            Value next = b.add(h, b.mul(z, b.sub(c, h)));
            return Step.of(Map.of("h", next), Map.of("hs", next));
        });
        Value predicted = b.linear(loop.output("hs"), v, bv);              // (T, B, HIDDEN) -> (T, B, 1)
        return b.build("loss", b.mean(b.square(b.sub(predicted, y))));
    }

    public static void main(String[] args) {
        Graph loss = lossGraph();
        SplittableRandom rnd = new SplittableRandom(42);
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Value p : loss.params()) {
            String name = loss.source(p).label();
            if (name.equals("x") || name.equals("y")) {
                continue;
            }
            int[] shape = p.shape().dims().stream().mapToInt(d -> d.size()).toArray();
            params.put(name, uniform(rnd, 1 / Math.sqrt(HIDDEN), shape));
        }
        Graph train = Grad.of(loss, "loss", List.copyOf(params.keySet()));   // results: loss, grad.Wz, ...
        var step = new TrainingStep(CpuBackend.compile(train)::run, params, new Sgd(0.5, 0.9, 0), 1.0);
        var evaluate = CpuBackend.compile(loss);

        Map<String, Tensor> heldOut = batch(new SplittableRandom(1));
        double first = heldOutLoss(evaluate::run, params, heldOut);
        for (int i = 1; i <= UPDATES; i++) {
            TrainingStep.Result r = step.run(batch(rnd));
            if (i % 50 == 0) {
                System.out.printf("update %d  train loss %.5f  gradient norm %.4f%n", i, r.loss(), r.gradientNorm());
            }
        }
        double last = heldOutLoss(evaluate::run, params, heldOut);
        System.out.printf("held-out loss %.5f before training, %.5f after %d updates (target < %s)%n", first, last, UPDATES, TARGET_LOSS);
        if (!(last < TARGET_LOSS)) {
            throw new AssertionError("the gated cell did not learn the moving average: held-out loss " + last);
        }
    }

    private static double heldOutLoss(java.util.function.Function<Map<String, Tensor>, Map<String, Tensor>> program,
                                      Map<String, Tensor> params, Map<String, Tensor> batch) {
        Map<String, Tensor> feeds = new LinkedHashMap<>(params);
        feeds.putAll(batch);
        return program.apply(feeds).get("loss").get();
    }

    /** Inputs uniform in [−1, 1) and their moving average, time-major (T, B, 1). */
    private static Map<String, Tensor> batch(SplittableRandom rnd) {
        float[] x = new float[STEPS * BATCH];
        float[] y = new float[x.length];
        for (int r = 0; r < BATCH; r++) {
            double avg = 0;
            for (int t = 0; t < STEPS; t++) {
                int i = t * BATCH + r;
                x[i] = (float) rnd.nextDouble(-1, 1);
                avg = 0.5 * avg + 0.5 * x[i];
                y[i] = (float) avg;
            }
        }
        return Map.of("x", Tensor.of(x, STEPS, BATCH, 1), "y", Tensor.of(y, STEPS, BATCH, 1));
    }

    private static Tensor uniform(SplittableRandom rnd, double bound, int... shape) {
        Tensor t = Tensor.zeros(F32, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, rnd.nextDouble(-bound, bound));
        }
        return t;
    }
}
