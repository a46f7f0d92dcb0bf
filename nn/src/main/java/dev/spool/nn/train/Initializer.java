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
 * PyTorch's default initialisation, from a seeded generator (deterministic for a seed and name
 * order, though not PyTorch's random stream): recurrent weights and biases uniform in ±1/√H
 * ({@code RNNBase.reset_parameters}); Linear weights Kaiming-uniform with a = √5, which is uniform in
 * ±1/√fan_in, and biases uniform in ±1/√fan_in.
 *
 * <pre>{@code Map<String, Tensor> w = Initializer.recurrent(cfg, new SplittableRandom(0));}</pre>
 */
public final class Initializer {
    private Initializer() {
    }

    public static Map<String, Tensor> recurrent(RecurrentConfig cfg, SplittableRandom rnd) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorType> e : cfg.weightTypes().entrySet()) {
            TensorType t = e.getValue();
            double bound;
            if (cfg.cell() == CellType.MYRNN) {
                // projection_k are nn.Linear layers: bound 1/sqrt(fan_in), fan_in being the weight's columns.
                int fanIn = e.getKey().startsWith("projection_1") ? cfg.inputSize() : cfg.hiddenSize();
                bound = 1 / Math.sqrt(fanIn);
            } else {
                bound = 1 / Math.sqrt(cfg.hiddenSize());
            }
            out.put(e.getKey(), uniform(t.dtype(), t.shape().sizes(), bound, rnd));
        }
        return out;
    }

    /** {@code prefix + "weight"} (out × in) and {@code prefix + "bias"} (out) of an nn.Linear. */
    public static Map<String, Tensor> linear(String prefix, int in, int out, DType dtype, SplittableRandom rnd) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        double bound = 1 / Math.sqrt(in);
        m.put(prefix + "weight", uniform(dtype, new int[] {out, in}, bound, rnd));
        m.put(prefix + "bias", uniform(dtype, new int[] {out}, bound, rnd));
        return m;
    }

    static Tensor uniform(DType dtype, int[] shape, double bound, SplittableRandom rnd) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, (2 * rnd.nextDouble() - 1) * bound);
        }
        return t;
    }
}
