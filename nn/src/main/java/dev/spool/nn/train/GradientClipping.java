package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.Map;

/** Global L2-norm gradient clipping over all parameters, as d2l's {@code clip_gradients}. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * Scales every gradient by maxNorm/norm when the global norm exceeds maxNorm (d2l's rule;
     * PyTorch's clip_grad_norm_ adds 1e-6 to the norm). Returns the norm before clipping; a
     * non-finite norm is returned with the gradients untouched so the caller can stop.
     *
     * <pre>{@code double norm = GradientClipping.clipGlobalNorm(grads, 1.0);}</pre>
     */
    public static double clipGlobalNorm(Map<String, Tensor> grads, double maxNorm) {
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
