package dev.spool.nn.train;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.nn.CellType;
import dev.spool.nn.RecurrentConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PyTorch's default initialisation from a seeded generator: the same distributions as PyTorch, and
 * deterministic for a seed and the order in which tensors are drawn (not PyTorch's random stream).
 * <ul>
 * <li>{@code nn.RNN/GRU/LSTM} ({@code RNNBase.reset_parameters}): every weight and bias uniform in ±1/√hidden.</li>
 * <li>{@code nn.Linear} ({@code reset_parameters}): the weight Kaiming-uniform with a = √5, i.e. bound
 *     gain·√(3/fan_in) with gain = √(2/(1+a²)) = √(1/3), which is 1/√fan_in; the bias uniform in ±1/√fan_in.
 *     MyRNN's {@code projection_1}/{@code projection_2} are Linear layers (fan_in = input, hidden).</li>
 * </ul>
 *
 * <pre>{@code
 * var rnd = new SplittableRandom(0);
 * Map<String, Tensor> w = Initializer.recurrent(cfg, rnd);             // weight_ih_l0, ...
 * w.putAll(Initializer.linear("linear.", 32, 28, DType.F32, rnd));    // linear.weight (28×32), linear.bias
 * }</pre>
 */
public final class Initializer {
    private Initializer() {
    }

    /**
     * Every tensor of {@code cfg.weightTypes()}, drawn in that (state_dict) order.
     *
     * <pre>{@code Initializer.recurrent(new RecurrentConfig(CellType.RNN, 28, 32, 1, false, false, DType.F32), rnd)}</pre>
     *
     * @throws IllegalArgumentException if the configuration's dtype is not F32 or F64
     */
    public static Map<String, Tensor> recurrent(RecurrentConfig cfg, SplittableRandom rnd) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorType> e : cfg.weightTypes().entrySet()) {
            double bound;
            if (cfg.cell() == CellType.MYRNN) {
                // projection_k are nn.Linear: fan_in is the weight's column count, for its bias too.
                bound = 1 / Math.sqrt(e.getKey().startsWith("projection_1") ? cfg.inputSize() : cfg.hiddenSize());
            } else {
                bound = 1 / Math.sqrt(cfg.hiddenSize());
            }
            TensorType t = e.getValue();
            out.put(e.getKey(), uniform(t.dtype(), t.shape().sizes(), bound, rnd));
        }
        return out;
    }

    /**
     * An {@code nn.Linear(in, out)}: {@code prefix + "weight"} (out × in), then {@code prefix + "bias"}
     * (out), both uniform in ±1/√in.
     *
     * <pre>{@code Initializer.linear("linear.", 32, 28, DType.F32, rnd).get("linear.weight")   // F32(28, 32)}</pre>
     *
     * @throws IllegalArgumentException if a size is below 1 or the dtype is not F32 or F64
     */
    public static Map<String, Tensor> linear(String prefix, int in, int out, DType dtype, SplittableRandom rnd) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("linear layer " + prefix + " needs in >= 1 and out >= 1, got in " + in + ", out " + out);
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        double bound = 1 / Math.sqrt(in);
        m.put(prefix + "weight", uniform(dtype, new int[] {out, in}, bound, rnd));
        m.put(prefix + "bias", uniform(dtype, new int[] {out}, bound, rnd));
        return m;
    }

    /** Uniform in [−bound, bound) (rounded to the dtype), row-major order. */
    static Tensor uniform(DType dtype, int[] shape, double bound, SplittableRandom rnd) {
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException("parameters must be F32 or F64, got " + dtype);
        }
        Tensor t = Tensor.zeros(dtype, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, (2 * rnd.nextDouble() - 1) * bound);
        }
        return t;
    }
}
