package dev.spool.backend.cuda;

import dev.spool.backend.cpu.FeedBinding;
import dev.spool.graph.Tensor;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training on the GPU with the parameters kept there: each {@link #step} uploads only the batch,
 * runs the training program and then the generated clip-by-global-norm and SGD update
 * ({@link SgdUpdate}) in the same arena, and brings back only the loss and the gradient norm. The
 * parameters come back to the heap only when asked for ({@link #parameters}). The result equals
 * running the program, {@code GradientClipping.clipGlobalNorm(grads, maxNorm)} and
 * {@code new Sgd(lr, 0, 0).step(params, grads)} on the host, to f32 rounding of the norm's sum.
 * A batch with new dims (another batch size) gets a new plan, the parameters carried over.
 *
 * <pre>{@code
 * CudaTraining t = CudaBackend.compile(lm.trainingGraph(35, 0)).sgdTraining(params, 1.0, 0.5);
 * CudaTraining.Step s = t.step(Map.of("tokens", x, "targets", y));   // s.loss(), s.gradientNorm()
 * Map<String, Tensor> trained = t.parameters();
 * }</pre>
 */
public final class CudaTraining {
    /** The training program's scalar result that {@link #step} returns. */
    public static final String LOSS = "loss";

    private final CudaProgram program;
    private final SgdUpdate.Rule rule;
    private Map<String, Tensor> hostParameters;
    private CudaPlan plan;
    private Map<String, Integer> planDims;

    /** A step's mean loss and the global L2 norm of its gradients before clipping. */
    public record Step(double loss, double gradientNorm) {
    }

    CudaTraining(CudaProgram program, Map<String, Tensor> parameters, double maxNorm, double lr) {
        this.program = program;
        this.rule = new SgdUpdate.Rule(List.copyOf(parameters.keySet()), maxNorm, lr);
        this.hostParameters = new LinkedHashMap<>(parameters);
    }

    /**
     * One training step on a batch (every feed of the program but the parameters).
     *
     * @throws IllegalArgumentException      when the batch names a parameter
     * @throws dev.spool.graph.InputException when a feed is missing or does not fit its declared type
     */
    public synchronized Step step(Map<String, Tensor> batch) {
        for (String k : batch.keySet()) {
            if (hostParameters.containsKey(k)) {
                throw new IllegalArgumentException("the batch names parameter '" + k + "', which lives on the device during training");
            }
        }
        Map<String, Tensor> all = new HashMap<>(hostParameters);
        all.putAll(batch);
        Map<String, Integer> dims = new HashMap<>();
        FeedBinding.bind(program.graph(), all, dims);
        if (plan == null || !dims.equals(planDims)) {
            if (plan != null) {
                hostParameters = parameters();
                plan.release();
            }
            plan = program.trainingPlan(dims, rule);
            planDims = Map.copyOf(dims);
            for (String name : rule.params()) {
                plan.setParameter(name, hostParameters.get(name));
            }
        }
        CudaPlan.TrainStep s = plan.trainStep(batch, LOSS);
        return new Step(s.loss(), s.gradientNorm());
    }

    /** The parameters as trained so far, copied to the heap (in the order they were given). */
    public synchronized Map<String, Tensor> parameters() {
        if (plan == null) {
            return new LinkedHashMap<>(hostParameters);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : rule.params()) {
            out.put(name, plan.parameter(name));
        }
        return out;
    }
}
