package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.Map;

/**
 * Updates parameters in place from their gradients, both keyed by PyTorch {@code state_dict} name.
 * Implementations keep their state (momentum buffers, moments) per name, so the same names must be
 * passed at every step. Parameters and gradients may be F32 or F64 (the same for both) and may be
 * views at an offset; the arithmetic is done in double.
 *
 * <pre>{@code
 * Optimizer opt = new Sgd(1.0, 0, 0);
 * opt.step(params, grads);   // params.get("weight_hh_l0") -= 1.0 * grads.get("weight_hh_l0")
 * }</pre>
 *
 * @see Sgd
 * @see Adam
 */
public interface Optimizer {
    /**
     * One update of every parameter in {@code params}; extra entries in {@code grads} are ignored.
     *
     * @throws IllegalArgumentException naming a parameter that has no gradient, or one whose
     *                                  gradient has another dtype or size
     */
    void step(Map<String, Tensor> params, Map<String, Tensor> grads);
}
