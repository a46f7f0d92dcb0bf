package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Adam exactly as {@code torch.optim.Adam} (not AdamW: the weight decay is an L2 term added to the
 * gradient; no amsgrad): {@code g = grad + weight_decay·p}, {@code m = β1·m + (1−β1)·g},
 * {@code v = β2·v + (1−β2)·g²}, {@code p -= lr·m̂/(√v̂ + eps)} with {@code m̂ = m/(1−β1^t)},
 * {@code v̂ = v/(1−β2^t)}, t counting each parameter's own steps.
 *
 * <pre>{@code
 * Optimizer adam = new Adam(1e-3, 0.9, 0.999, 1e-8, 0);   // lr, beta1, beta2, eps, weight_decay
 * adam.step(params, grads);
 * }</pre>
 */
public final class Adam implements Optimizer {
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, State> states = new HashMap<>();

    /** A parameter's step count and moments (double even for F32 parameters). */
    private static final class State {
        int step;
        final double[] m;
        final double[] v;

        State(int n) {
            m = new double[n];
            v = new double[n];
        }
    }

    /**
     * <pre>{@code new Adam(1e-3, 0.9, 0.999, 1e-8, 0)   // torch.optim.Adam's defaults}</pre>
     *
     * @param lr          learning rate, > 0
     * @param beta1       decay of the first moment, in [0, 1)
     * @param beta2       decay of the second moment, in [0, 1)
     * @param eps         added to √v̂, > 0
     * @param weightDecay L2 penalty added to the gradient, >= 0
     * @throws IllegalArgumentException naming the first bad value ({@code lr}, {@code beta1}, {@code beta2},
     *                                  {@code eps}, {@code weight_decay})
     */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.lr = Check.positive("lr", lr);
        this.beta1 = Check.unitInterval("beta1", beta1);
        this.beta2 = Check.unitInterval("beta2", beta2);
        this.eps = Check.positive("eps", eps);
        this.weightDecay = Check.nonNegative("weight_decay", weightDecay);
    }

    @Override
    public void step(Map<String, Tensor> params, Map<String, Tensor> grads) {
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            Tensor g = Check.gradient(grads, e.getKey(), p);
            State s = states.computeIfAbsent(e.getKey(), k -> new State(p.size()));
            // PyTorch counts steps per parameter, so a parameter first updated later gets its own bias correction.
            int t = ++s.step;
            // The same operations as torch 1.13's single-tensor Adam, so that float64 results match bit for bit
            // (as on the committed fixtures; the tests allow 1e-12):
            // ATen's vectorised add(x, alpha) is a fused multiply-add (hence Math.fma), denom = √v/√(1−β2^t) + eps,
            // and p += (−lr/(1−β1^t))·m/denom.
            double stepSize = lr / (1 - Math.pow(beta1, t));
            double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
            for (int i = 0; i < p.size(); i++) {
                double w = p.getDouble(i);
                double d = Math.fma(weightDecay, w, g.getDouble(i));
                s.m[i] = Math.fma(1 - beta1, d, s.m[i] * beta1);
                s.v[i] = s.v[i] * beta2 + (1 - beta2) * d * d;
                double denom = Math.sqrt(s.v[i]) / bc2Sqrt + eps;
                p.setDouble(i, w + -stepSize * s.m[i] / denom);
            }
        }
    }
}
