package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Adam with PyTorch's semantics ({@code torch.optim.Adam}, L2 weight decay added to the gradient,
 * not AdamW): m, v moving averages with bias correction; p -= lr·m̂/(√v̂ + eps).
 *
 * <pre>{@code Optimizer adam = new Adam(1e-3, 0.9, 0.999, 1e-8, 0);}</pre>
 */
public final class Adam implements Optimizer {
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, double[][]> moments = new HashMap<>();
    private int t;

    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        Check.positive("lr", lr);
        Check.unitInterval("beta1", beta1);
        Check.unitInterval("beta2", beta2);
        Check.positive("eps", eps);
        Check.nonNegative("weight decay", weightDecay);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(Map<String, Tensor> params, Map<String, Tensor> grads) {
        t++;
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            Tensor g = Optimizer.gradient(grads, e.getKey(), p);
            double[][] mv = moments.computeIfAbsent(e.getKey(), k -> new double[2][p.size()]);
            double[] m = mv[0];
            double[] v = mv[1];
            for (int i = 0; i < p.size(); i++) {
                double w = p.getDouble(i);
                double d = g.getDouble(i) + weightDecay * w;
                m[i] = beta1 * m[i] + (1 - beta1) * d;
                v[i] = beta2 * v[i] + (1 - beta2) * d * d;
                p.setDouble(i, w - lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps));
            }
        }
    }
}
