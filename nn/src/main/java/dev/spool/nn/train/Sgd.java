package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with PyTorch's semantics ({@code torch.optim.SGD}, no dampening or
 * Nesterov): g = grad + wd·p; with momentum, buf = g on the first step, then buf = m·buf + g; p -= lr·buf.
 *
 * <pre>{@code Optimizer sgd = new Sgd(1.0, 0.9, 1e-4);}</pre>
 */
public final class Sgd implements Optimizer {
    private final double lr;
    private final double momentum;
    private final double weightDecay;
    private final Map<String, double[]> buffers = new HashMap<>();

    public Sgd(double lr, double momentum, double weightDecay) {
        Check.positive("lr", lr);
        Check.nonNegative("momentum", momentum);
        Check.nonNegative("weight decay", weightDecay);
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(Map<String, Tensor> params, Map<String, Tensor> grads) {
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            Tensor g = Optimizer.gradient(grads, e.getKey(), p);
            double[] buf = momentum == 0 ? null : buffers.get(e.getKey());
            boolean first = momentum != 0 && buf == null;
            if (first) {
                buf = new double[p.size()];
                buffers.put(e.getKey(), buf);
            }
            for (int i = 0; i < p.size(); i++) {
                double w = p.getDouble(i);
                double d = g.getDouble(i) + weightDecay * w;
                if (buf != null) {
                    buf[i] = first ? d : momentum * buf[i] + d;
                    d = buf[i];
                }
                p.setDouble(i, w - lr * d);
            }
        }
    }
}
