package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.Map;

/**
 * Updates parameters in place from their gradients. Parameters are keyed by name (PyTorch
 * {@code state_dict} names for the built-in layers); a gradient is found under the parameter's
 * own name or as {@link dev.spool.ops.Grad#of Grad.of} names it, {@code grad.<name>}, so
 * the results of a training graph can be passed as they are. Implementations keep their state
 * (momentum buffers, moments) per name, so the same names must be passed at every step. Parameters
 * and gradients may be F32 or F64 (the same for both) and may be views at an offset; the
 * arithmetic is done in double.
 *
 * <pre>{@code
 * Optimizer opt = new Sgd(1.0, 0, 0);
 * Map<String, Tensor> r = program.run(feeds);   // loss, grad.weight_hh_l0, ...
 * opt.step(params, r);   // params.get("weight_hh_l0") -= 1.0 * r.get("grad.weight_hh_l0")
 * }</pre>
 *
 * <p>{@link TrainingStep} does that together with running the program and clipping.
 *
 * @see Sgd
 * @see Adam
 */
public interface Optimizer {
    /**
     * One update of every parameter in {@code params}; extra entries in {@code grads} (a loss, other
     * results) are ignored.
     *
     * <pre>{@code opt.step(params, Map.of("w", dw));   // or Map.of("grad.w", dw), as Grad.of names it}</pre>
     *
     * @throws IllegalArgumentException naming a parameter that has no gradient, or one whose
     *                                  gradient has another dtype or size
     */
    void step(Map<String, Tensor> params, Map<String, Tensor> grads);
}
