package dev.spool.nn.train;

import dev.spool.graph.Tensor;
import dev.spool.ops.Grad;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One training step, the same for {@code spool train}, {@code spool bench}, the benchmarks and
 * users: run the compiled training graph (a graph made by {@link Grad#of}, with a {@code loss}
 * result and {@code grad.<name>} for every parameter) on the parameters plus a batch, clip the
 * gradients by their global norm, and let the optimizer update the parameters in place.
 *
 * <p>The program is any function from feeds to results, so this class needs no backend:
 * pass {@code CpuBackend.compile(trainingGraph)::run}. The parameter tensors are fed as they are
 * and updated in place, so the caller's map sees every update.
 *
 * <pre>{@code
 * var step = new TrainingStep(CpuBackend.compile(train)::run, params, new Sgd(1, 0, 0), 1.0);
 * TrainingStep.Result r = step.run(Map.of("tokens", x, "targets", y));
 * r.loss();           // the loss before the update
 * r.gradientNorm();   // the global L2 norm before clipping
 * }</pre>
 */
public final class TrainingStep {
    /** The name of the training graph's loss result. */
    public static final String LOSS = "loss";

    private final Function<Map<String, Tensor>, Map<String, Tensor>> program;
    private final Map<String, Tensor> params;
    private final Optimizer optimizer;
    private final double maxNorm;

    /**
     * What one step measured: {@code step.run(batch).loss()}.
     *
     * @param loss         the {@code loss} result, before the update
     * @param gradientNorm the global L2 norm of the parameters' gradients, before clipping
     * @param updated      whether the parameters were updated: false when the loss or the norm is
     *                     not finite, so a diverged step leaves the parameters as they were
     * @param results      all results of the program (the gradients clipped)
     */
    public record Result(double loss, double gradientNorm, boolean updated, Map<String, Tensor> results) {
    }

    /**
     * A step that feeds {@code params} (updated in place) to {@code program} and clips at {@code maxNorm}.
     *
     * <pre>{@code new TrainingStep(program::run, params, new Adam(1e-3, 0.9, 0.999, 1e-8, 0), Double.POSITIVE_INFINITY)}</pre>
     *
     * @param program   runs the training graph: feeds in, results ({@code loss}, {@code grad.<name>}) out
     * @param params    the parameters by name, updated in place
     * @param optimizer updates the parameters from their gradients
     * @param maxNorm   the global gradient norm to clip at, {@code Double.POSITIVE_INFINITY} for no clipping
     */
    public TrainingStep(Function<Map<String, Tensor>, Map<String, Tensor>> program, Map<String, Tensor> params,
                        Optimizer optimizer, double maxNorm) {
        this.program = program;
        this.params = params;
        this.optimizer = optimizer;
        this.maxNorm = Check.nonNegative("maxNorm", maxNorm);
    }

    /**
     * Runs one step on a batch (every non-parameter input of the training graph).
     *
     * <pre>{@code double loss = step.run(Map.of("tokens", x, "targets", y)).loss();}</pre>
     *
     * @throws IllegalArgumentException when the program has no {@code loss} result or no gradient for a parameter
     */
    public Result run(Map<String, Tensor> batch) {
        Map<String, Tensor> feeds = new HashMap<>(params);
        feeds.putAll(batch);
        Map<String, Tensor> results = program.apply(feeds);
        Tensor loss = results.get(LOSS);
        if (loss == null) {
            throw new IllegalArgumentException("the training program has no '" + LOSS + "' result; its results are " + results.keySet());
        }
        Map<String, Tensor> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> p : params.entrySet()) {
            grads.put(p.getKey(), Check.gradient(results, p.getKey(), p.getValue()));
        }
        double norm = GradientClipping.clipGlobalNorm(grads, maxNorm);
        double l = loss.getDouble(0);
        boolean finite = Double.isFinite(l) && Double.isFinite(norm);
        if (finite) {
            optimizer.step(params, grads);
        }
        return new Result(l, norm, finite, results);
    }
}
