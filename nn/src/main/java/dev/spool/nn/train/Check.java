package dev.spool.nn.train;

import dev.spool.graph.Tensor;
import dev.spool.ops.Grad;

import java.util.Map;

/** Argument checks shared by the optimizers, naming the offending hyper-parameter or tensor. */
final class Check {
    private Check() {
    }

    // The negated comparisons also reject NaN, which would otherwise silently poison every update.
    static double positive(String name, double v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
        return v;
    }

    static double nonNegative(String name, double v) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
        return v;
    }

    static double unitInterval(String name, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
        }
        return v;
    }

    /**
     * The gradient of parameter {@code name}, under its own name or as {@link Grad#of} names it
     * ({@code grad.<name>}), checked against the parameter.
     */
    static Tensor gradient(Map<String, Tensor> grads, String name, Tensor param) {
        Tensor g = grads.containsKey(name) ? grads.get(name) : grads.get(Grad.nameOf(name));
        if (g == null) {
            throw new IllegalArgumentException("no gradient for parameter '" + name + "' (looked for '" + name + "' and '"
                    + Grad.nameOf(name) + "')");
        }
        if (!param.dtype().isFloat() || g.dtype() != param.dtype() || g.size() != param.size()) {
            throw new IllegalArgumentException("gradient of '" + name + "' is " + g.type() + " but the parameter is "
                    + param.type() + "; both must be the same F32 or F64 type");
        }
        return g;
    }
}
