package dev.spool.nn.train;

import dev.spool.graph.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Stochastic gradient descent exactly as {@code torch.optim.SGD} (dampening 0, no Nesterov):
 * {@code g = grad + weight_decay·p}; with momentum, {@code buf = g} on a parameter's first step and
 * {@code buf = momentum·buf + g} after, and {@code g = buf}; then {@code p -= lr·g}.
 *
 * <pre>{@code
 * Optimizer sgd = new Sgd(0.1, 0.9, 1e-4);   // lr, momentum, weight_decay
 * sgd.step(params, grads);
 * }</pre>
 */
public final class Sgd implements Optimizer {
    private final double lr;
    private final double momentum;
    private final double weightDecay;
    /** Momentum buffers by parameter name (double even for F32 parameters). */
    private final Map<String, double[]> buffers = new HashMap<>();

    /**
     * <pre>{@code new Sgd(1.0, 0, 0)   // plain SGD, lr 1}</pre>
     *
     * @param lr          learning rate, > 0
     * @param momentum    momentum factor, >= 0 (0: plain SGD, no buffers)
     * @param weightDecay L2 penalty added to the gradient, >= 0
     * @throws IllegalArgumentException naming the first bad value ({@code lr}, {@code momentum}, {@code weight_decay})
     */
    public Sgd(double lr, double momentum, double weightDecay) {
        this.lr = Check.positive("lr", lr);
        this.momentum = Check.nonNegative("momentum", momentum);
        this.weightDecay = Check.nonNegative("weight_decay", weightDecay);
    }

    @Override
    public void step(Map<String, Tensor> params, Map<String, Tensor> grads) {
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            Tensor g = Check.gradient(grads, e.getKey(), p);
            double[] buf = momentum == 0 ? null : buffers.get(e.getKey());
            // As torch, the buffer starts as the first step's gradient itself (with dampening it would differ
            // from momentum·0 + (1 − dampening)·g).
            boolean first = momentum != 0 && buf == null;
            if (first) {
                buf = new double[p.size()];
                buffers.put(e.getKey(), buf);
            }
            // getDouble/setDouble are relative to each tensor's offset, so views are updated correctly. Math.fma
            // mirrors ATen's vectorised add(x, alpha) (a fused multiply-add), so float64 results match torch's bit for bit
            // (as on the committed fixtures); the tests still allow 1e-12.
            for (int i = 0; i < p.size(); i++) {
                double w = p.getDouble(i);
                double d = Math.fma(weightDecay, w, g.getDouble(i));
                if (buf != null) {
                    buf[i] = first ? d : momentum * buf[i] + d;
                    d = buf[i];
                }
                p.setDouble(i, Math.fma(-lr, d, w));
            }
        }
    }
}
