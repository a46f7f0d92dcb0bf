package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.Map;

/**
 * Clipping of all gradients together by their global L2 norm, as d2l's {@code clip_gradients}.
 *
 * <pre>{@code double norm = GradientClipping.clipGlobalNorm(grads, 1.0);}</pre>
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * Computes {@code norm = √(Σ over all gradients of Σ g²)} (accumulated in double) and, if
     * {@code norm > maxNorm}, scales every gradient in place by {@code maxNorm / norm}. That is d2l's
     * rule; {@code torch.nn.utils.clip_grad_norm_} scales by {@code maxNorm / (norm + 1e-6)} instead,
     * which differs by about 1e-6 relative. A non-finite norm (a NaN or infinite gradient, or an
     * overflowing sum) is returned as it is with the gradients untouched: scaling would turn
     * everything into NaN or zero and hide the divergence, which the caller should report instead.
     *
     * <pre>{@code
     * // grads {a: [3], b: [4]}: returns 5.0 and leaves a = [0.6], b = [0.8]
     * double norm = GradientClipping.clipGlobalNorm(grads, 1.0);
     * }</pre>
     *
     * @param grads   gradients (F32 or F64, views allowed), modified in place
     * @param maxNorm the largest norm left unscaled, >= 0
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(Map<String, Tensor> grads, double maxNorm) {
        Check.nonNegative("maxNorm", maxNorm);
        double sq = 0;
        for (Tensor g : grads.values()) {
            for (int i = 0; i < g.size(); i++) {
                double v = g.getDouble(i);
                sq += v * v;
            }
        }
        double norm = Math.sqrt(sq);
        if (Double.isFinite(norm) && norm > maxNorm) {
            double scale = maxNorm / norm;
            for (Tensor g : grads.values()) {
                for (int i = 0; i < g.size(); i++) {
                    g.setDouble(i, g.getDouble(i) * scale);
                }
            }
        }
        return norm;
    }
}
