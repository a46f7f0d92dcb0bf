package dev.spool.nn;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The d2l character language model as graphs: one-hot tokens (T, B) → recurrent layer (zero initial
 * state) → {@code linear} head → logits (T, B, V), trained on mean cross-entropy. Parameter names
 * are the layer's PyTorch names plus {@code linear.weight}, {@code linear.bias}.
 *
 * <pre>{@code
 * var lm = new LanguageModel(new RecurrentConfig(CellType.RNN, 28, 32, 1, false, false, DType.F32));
 * Graph train = lm.trainingGraph();   // results: loss, grad.<every parameter>
 * }</pre>
 */
public record LanguageModel(RecurrentConfig rnn) {

    /** The vocabulary size, which is the recurrent layer's input size (tokens go in one-hot): {@code lm.vocab() == 28}. */
    public int vocab() {
        return rnn.inputSize();
    }

    /** Every parameter with its type, layer weights first: {@code lm.parameterTypes().get("linear.bias")} is {@code F32(28)}. */
    public Map<String, TensorType> parameterTypes() {
        Map<String, TensorType> m = new LinkedHashMap<>(rnn.weightTypes());
        m.put("linear.weight", TensorType.of(rnn.dtype(), vocab(), rnn.hiddenSize() * rnn.directions()));
        m.put("linear.bias", TensorType.of(rnn.dtype(), vocab()));
        return m;
    }

    /** Inputs {@code tokens} (T, B) I64; result {@code logits} (T, B, V): {@code CpuBackend.compile(lm.logitsGraph())}. */
    public Graph logitsGraph() {
        Builder b = new Builder();
        return b.build("logits", logits(b, b.input("tokens", DType.I64, "T", "B"), parameters(b)));
    }

    /**
     * The logits with the recurrent state passed in and out, for generating one step at a time:
     * inputs {@code tokens} (T, B) I64 and {@code h0} (and {@code c0} for an LSTM) of shape
     * (layers × directions, B, hidden); results {@code logits} (T, B, V), {@code h_n} (and
     * {@code c_n}). With zero initial state it computes what {@link #logitsGraph()} does.
     *
     * <pre>{@code Graph g = lm.statefulLogitsGraph();   // a Session steps it: h0 <- h_n}</pre>
     */
    public Graph statefulLogitsGraph() {
        Builder b = new Builder();
        Value tokens = b.input("tokens", DType.I64, "T", "B");
        int states = rnn.layers() * rnn.directions();
        Value h0 = b.input("h0", rnn.dtype(), states, "B", rnn.hiddenSize());
        Value c0 = rnn.cell().hasCellState() ? b.input("c0", rnn.dtype(), states, "B", rnn.hiddenSize()) : null;
        Map<String, Value> p = parameters(b);
        RecurrentLayer.Outputs out = RecurrentLayer.apply(b, rnn, b.oneHot(tokens, vocab(), rnn.dtype()), h0, c0, null, p);
        Map<String, Value> results = new LinkedHashMap<>();
        results.put("logits", b.linear(out.output(), p.get("linear.weight"), p.get("linear.bias")));
        results.put("h_n", out.hN());
        if (out.cN() != null) {
            results.put("c_n", out.cN());
        }
        return b.build(results);
    }

    /**
     * Inputs {@code tokens}, {@code targets} (T, B) I64; result {@code loss}, the mean cross-entropy.
     *
     * <pre>{@code Graph g = lm.lossGraph();   // then Grad.of(g, "loss", ...) or lm.trainingGraph()}</pre>
     */
    public Graph lossGraph() {
        return lossGraph("T");
    }

    /** As {@link #lossGraph()} with the time dim given: a size (checkpointing needs one) or a symbol: {@code lm.lossGraph(35)}. */
    public Graph lossGraph(Object steps) {
        Builder b = new Builder();
        Value tokens = b.input("tokens", DType.I64, steps, "B");
        Value targets = b.input("targets", DType.I64, steps, "B");
        return b.build("loss", b.crossEntropy(logits(b, tokens, parameters(b)), targets));
    }

    /** The loss graph with {@code grad.<name>} of every parameter, for any number of steps. */
    public Graph trainingGraph() {
        return Grad.of(lossGraph(), "loss", new ArrayList<>(parameterTypes().keySet()));
    }

    /**
     * The training graph for sequences of {@code steps}, with gradient checkpointing every
     * {@code checkpointEvery} steps when that is above 1 (it must divide steps).
     *
     * <pre>{@code Graph train = lm.trainingGraph(32, 8);   // 32 steps, recomputed in chunks of 8}</pre>
     */
    public Graph trainingGraph(int steps, int checkpointEvery) {
        return Grad.of(lossGraph(steps), "loss", new ArrayList<>(parameterTypes().keySet()), checkpointEvery);
    }

    private Map<String, Value> parameters(Builder b) {
        Map<String, Value> p = new LinkedHashMap<>();
        parameterTypes().forEach((name, t) -> p.put(name, b.parameter(name, t.dtype(), t.shape().dims().toArray())));
        return p;
    }

    private Value logits(Builder b, Value tokens, Map<String, Value> p) {
        Value x = b.oneHot(tokens, vocab(), rnn.dtype());
        RecurrentLayer.Outputs out = RecurrentLayer.apply(b, rnn, x, null, null, null, p);
        return b.linear(out.output(), p.get("linear.weight"), p.get("linear.bias"));
    }

    /**
     * Continues {@code prefix} (token ids) by {@code n} tokens: greedy (argmax, as d2l's
     * {@code predict}) when {@code temperature} is 0, else sampled from softmax(logits / temperature).
     * {@code run} evaluates {@link #logitsGraph()} on feeds (parameters plus {@code tokens}).
     *
     * <pre>{@code int[] next = lm.continueTokens(CpuBackend.compile(lm.logitsGraph())::run, params, prefix, 20, 0, rnd);}</pre>
     */
    public int[] continueTokens(Function<Map<String, Tensor>, Map<String, Tensor>> run, Map<String, Tensor> params,
                                int[] prefix, int n, double temperature, SplittableRandom rnd) {
        if (prefix.length == 0) {
            throw new IllegalArgumentException("the prefix must contain at least one character");
        }
        List<Integer> seq = new ArrayList<>();
        for (int t : prefix) {
            seq.add(t);
        }
        for (int k = 0; k < n; k++) {
            // The whole sequence is re-run each time: the state starts at zero as in training, and for a
            // bidirectional model this is the only consistent reading.
            long[] ids = seq.stream().mapToLong(Integer::longValue).toArray();
            Map<String, Tensor> feeds = new LinkedHashMap<>(params);
            feeds.put("tokens", Tensor.ofLongs(new int[] {ids.length, 1}, ids));
            Tensor logits = run.apply(feeds).get("logits");
            int v = vocab();
            int base = (ids.length - 1) * v;
            seq.add(temperature == 0 ? argmax(logits, base, v) : sample(logits, base, v, temperature, rnd));
        }
        return seq.subList(prefix.length, seq.size()).stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Continues {@code prefix} by {@code n} tokens one step at a time: {@code step} consumes one
     * token and returns the logits (V) for the next, keeping the recurrent state itself (a
     * {@code Session} over {@link #statefulLogitsGraph()}), so n tokens cost n steps instead of
     * re-running the whole text each time. Choices as in {@link #continueTokens}.
     *
     * <pre>{@code int[] next = lm.continueStepwise(t -> session.step(Map.of("tokens", one(t))).get("logits"), ids, 20, 0, rnd);}</pre>
     */
    public int[] continueStepwise(java.util.function.IntFunction<Tensor> step, int[] prefix, int n, double temperature, SplittableRandom rnd) {
        if (prefix.length == 0) {
            throw new IllegalArgumentException("the prefix must contain at least one character");
        }
        Tensor logits = null;
        for (int t : prefix) {
            logits = step.apply(t);
        }
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            out[k] = temperature == 0 ? argmax(logits, 0, vocab()) : sample(logits, 0, vocab(), temperature, rnd);
            if (k + 1 < n) {
                logits = step.apply(out[k]);
            }
        }
        return out;
    }

    private static int argmax(Tensor logits, int base, int v) {
        int best = 0;
        for (int j = 1; j < v; j++) {
            if (logits.getDouble(base + j) > logits.getDouble(base + best)) {
                best = j;
            }
        }
        return best;
    }

    private static int sample(Tensor logits, int base, int v, double temperature, SplittableRandom rnd) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = Math.max(max, logits.getDouble(base + j));
        }
        double[] p = new double[v];
        double sum = 0;
        for (int j = 0; j < v; j++) {
            p[j] = Math.exp((logits.getDouble(base + j) - max) / temperature);
            sum += p[j];
        }
        double u = rnd.nextDouble() * sum;
        for (int j = 0; j < v; j++) {
            u -= p[j];
            if (u <= 0) {
                return j;
            }
        }
        return v - 1;
    }
}
