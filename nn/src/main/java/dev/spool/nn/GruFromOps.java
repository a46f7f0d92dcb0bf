package dev.spool.nn;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GRU character language model written the way a user writes a custom cell: one weight matrix and
 * bias per gate in "Dive into Deep Learning"'s layout ({@code X·W_xr}, W is in×out), the textbook
 * equations term by term, no knowledge of how the built-in {@link CellType#GRU} is laid out:
 * <pre>
 * r = σ(x W_xr + h W_hr + b_r)          z = σ(x W_xz + h W_hz + b_z)
 * n = tanh(x W_xn + b_xn + r ⊙ (h W_hn + b_hn))          h' = (1 − z) ⊙ n + z ⊙ h
 * </pre>
 * (PyTorch's variant of the candidate, so {@link #fromPyTorch} can carry a built-in GRU's weights
 * over and the two compute the same function.) The bench's {@code --suite cells} times it against
 * the built-in cell of the same FLOPs: the compiler must batch its six projections, sink its weight
 * gradients and fuse its gate math just as well, since it sees only ops.
 *
 * <pre>{@code
 * var gru = new GruFromOps(28, 256, DType.F32);
 * Graph train = gru.trainingGraph(35);   // results: loss, grad.<every parameter>
 * }</pre>
 */
public record GruFromOps(int vocab, int hidden, DType dtype) {
    private static final String[] GATES = {"r", "z", "n"};

    /**
     * Every parameter with its type: W_x{r,z,n} (V, H), W_h{r,z,n} (H, H), biases, then the linear head.
     *
     * <pre>{@code new GruFromOps(28, 32, DType.F32).parameterTypes().get("W_hr")   // F32(32, 32)}</pre>
     */
    public Map<String, TensorType> parameterTypes() {
        Map<String, TensorType> m = new LinkedHashMap<>();
        for (String g : GATES) {
            m.put("W_x" + g, TensorType.of(dtype, vocab, hidden));
            m.put("W_h" + g, TensorType.of(dtype, hidden, hidden));
        }
        m.put("b_r", TensorType.of(dtype, hidden));
        m.put("b_z", TensorType.of(dtype, hidden));
        m.put("b_xn", TensorType.of(dtype, hidden));
        m.put("b_hn", TensorType.of(dtype, hidden));
        m.put("linear.weight", TensorType.of(dtype, vocab, hidden));
        m.put("linear.bias", TensorType.of(dtype, vocab));
        return m;
    }

    /**
     * This model's parameters holding the same function as a built-in one-layer GRU language model's
     * ({@code weight_ih_l0}, …, {@code linear.*}): each gate's rows transposed, the r and z biases summed.
     */
    public Map<String, Tensor> fromPyTorch(Map<String, Tensor> builtIn) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        Tensor wih = builtIn.get("weight_ih_l0");
        Tensor whh = builtIn.get("weight_hh_l0");
        Tensor bih = builtIn.get("bias_ih_l0");
        Tensor bhh = builtIn.get("bias_hh_l0");
        for (int k = 0; k < GATES.length; k++) {
            m.put("W_x" + GATES[k], gateTransposed(wih, k, vocab));
            m.put("W_h" + GATES[k], gateTransposed(whh, k, hidden));
        }
        m.put("b_r", gateBias(bih, bhh, 0, true));
        m.put("b_z", gateBias(bih, bhh, 1, true));
        m.put("b_xn", gateBias(bih, bhh, 2, false));
        m.put("b_hn", gateBias(bhh, bih, 2, false));
        m.put("linear.weight", builtIn.get("linear.weight"));
        m.put("linear.bias", builtIn.get("linear.bias"));
        return m;
    }

    private Tensor gateTransposed(Tensor w, int gate, int in) {
        Tensor t = Tensor.zeros(dtype, in, hidden);
        for (int o = 0; o < hidden; o++) {
            for (int i = 0; i < in; i++) {
                t.setDouble(i * hidden + o, w.getDouble((gate * hidden + o) * in + i));
            }
        }
        return t;
    }

    private Tensor gateBias(Tensor a, Tensor b, int gate, boolean sum) {
        Tensor t = Tensor.zeros(dtype, hidden);
        for (int o = 0; o < hidden; o++) {
            t.setDouble(o, a.getDouble(gate * hidden + o) + (sum ? b.getDouble(gate * hidden + o) : 0));
        }
        return t;
    }

    /** Inputs {@code tokens} (steps, B) I64; result {@code logits} (steps, B, V): {@code gru.logitsGraph("T")} or {@code gru.logitsGraph(35)}. */
    public Graph logitsGraph(Object steps) {
        Builder b = new Builder();
        return b.build("logits", logits(b, b.input("tokens", DType.I64, steps, "B"), parameters(b)));
    }

    /** Inputs {@code tokens}, {@code targets} (steps, B) I64; results {@code loss} (mean cross-entropy) and {@code grad.<name>}. */
    public Graph trainingGraph(Object steps) {
        Builder b = new Builder();
        Value tokens = b.input("tokens", DType.I64, steps, "B");
        Value targets = b.input("targets", DType.I64, steps, "B");
        Graph loss = b.build("loss", b.crossEntropy(logits(b, tokens, parameters(b)), targets));
        return Grad.of(loss, "loss", new ArrayList<>(parameterTypes().keySet()));
    }

    private Map<String, Value> parameters(Builder b) {
        Map<String, Value> p = new LinkedHashMap<>();
        parameterTypes().forEach((name, t) -> p.put(name, b.parameter(name, t.dtype(), t.shape().dims().toArray())));
        return p;
    }

    private Value logits(Builder b, Value tokens, Map<String, Value> p) {
        Value x = b.oneHot(tokens, vocab, dtype);
        Value h0 = b.zeros(dtype, b.typeOf(x).shape().dim(1), hidden);
        ScanResult r = b.scan(List.of(h0), List.of(x), (carries, slices) -> {
            Value h = carries.get(0);
            Value xt = slices.get(0);
            Value rg = b.sigmoid(b.add(b.add(b.matmul(xt, p.get("W_xr")), b.matmul(h, p.get("W_hr"))), p.get("b_r")));
            Value zg = b.sigmoid(b.add(b.add(b.matmul(xt, p.get("W_xz")), b.matmul(h, p.get("W_hz"))), p.get("b_z")));
            Value n = b.tanh(b.add(b.add(b.matmul(xt, p.get("W_xn")), p.get("b_xn")),
                    b.mul(rg, b.add(b.matmul(h, p.get("W_hn")), p.get("b_hn")))));
            Value next = b.add(b.mul(b.sub(b.scalar(1, dtype), zg), n), b.mul(zg, h));
            return Step.of(List.of(next), List.of(next));
        });
        return b.linear(r.outputs().get(0), p.get("linear.weight"), p.get("linear.bias"));
    }
}
