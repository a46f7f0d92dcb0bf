package dev.spool.nn.train;

import dev.spool.graph.Tensor;

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

    /** The gradient of parameter {@code name}, checked against the parameter. */
    static Tensor gradient(Map<String, Tensor> grads, String name, Tensor param) {
        Tensor g = grads.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no gradient for parameter '" + name + "'");
        }
        if (!param.dtype().isFloat() || g.dtype() != param.dtype() || g.size() != param.size()) {
            throw new IllegalArgumentException("gradient of '" + name + "' is " + g.type() + " but the parameter is "
                    + param.type() + "; both must be the same F32 or F64 type");
        }
        return g;
    }
}
