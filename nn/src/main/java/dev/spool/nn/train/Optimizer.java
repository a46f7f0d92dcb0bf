package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.Map;

/**
 * Updates parameters in place from their gradients, keyed by parameter name.
 *
 * <pre>{@code new Sgd(1.0, 0, 0).step(params, grads);}</pre>
 */
public interface Optimizer {
    void step(Map<String, Tensor> params, Map<String, Tensor> grads);

    /** The gradient of {@code name}, or an error naming the parameter that has none. */
    static Tensor gradient(Map<String, Tensor> grads, String name, Tensor param) {
        Tensor g = grads.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no gradient for parameter '" + name + "'");
        }
        if (g.size() != param.size() || g.dtype() != param.dtype()) {
            throw new IllegalArgumentException("gradient of '" + name + "' is " + g.type() + " but the parameter is " + param.type());
        }
        return g;
    }
}
