package dev.spool.nn;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.InputException;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PyTorch-compatible recurrent layer ({@code nn.RNN}, {@code nn.GRU}, {@code nn.LSTM}, or MyRNN)
 * built as a graph: one {@code scan} per layer and direction. Layer k>0 reads the concatenated
 * outputs of both directions of layer k-1. With lengths, each row's steps past its length are
 * masked, so {@code h_n} holds the state after its last valid step and the reverse direction starts
 * at each sequence's own end, as with packed sequences.
 *
 * <pre>{@code
 * var cfg = new RecurrentConfig(CellType.GRU, 28, 32, 1, false, false, DType.F32);
 * Graph g = RecurrentLayer.graph(cfg, false, false);   // inputs: input; results: output, h_n
 * }</pre>
 */
public final class RecurrentLayer {
    private RecurrentLayer() {
    }

    /**
     * The layer's outputs: (T, B, D*H) sequence (or batch-first), (L*D, B, H) final states; {@code cN} is null but for LSTM.
     *
     * <pre>{@code Value hs = RecurrentLayer.apply(b, cfg, x, null, null, null, weights).output();}</pre>
     */
    public record Outputs(Value output, Value hN, Value cN) {
    }

    /**
     * A complete graph with inputs {@code input}, optional {@code h0}/{@code c0}/{@code lengths},
     * the weights as parameters, and results {@code output}, {@code h_n} (and {@code c_n}).
     *
     * <pre>{@code Map<String, Tensor> y = CpuBackend.compile(RecurrentLayer.graph(cfg, false, false)).run(feeds);}</pre>
     */
    public static Graph graph(RecurrentConfig cfg, boolean withInitialState, boolean withLengths) {
        Builder b = new Builder();
        Sources in = declare(b, cfg, "T", withInitialState, withLengths);
        return b.build(results(apply(b, cfg, in.input(), in.h0(), in.c0(), in.lengths(), in.weights())));
    }

    /** The graph inputs and weight parameters of a layer, as both graphs declare them. */
    private record Sources(Value input, Value h0, Value c0, Value lengths, Map<String, Value> weights) {
    }

    private static Sources declare(Builder b, RecurrentConfig cfg, Object time, boolean withInitialState, boolean withLengths) {
        Value input = cfg.batchFirst() ? b.input("input", cfg.dtype(), "B", time, cfg.inputSize())
                : b.input("input", cfg.dtype(), time, "B", cfg.inputSize());
        int states = cfg.layers() * cfg.directions();
        Value h0 = withInitialState ? b.input("h0", cfg.dtype(), states, "B", cfg.hiddenSize()) : null;
        Value c0 = withInitialState && cfg.cell().hasCellState() ? b.input("c0", cfg.dtype(), states, "B", cfg.hiddenSize()) : null;
        Value lengths = withLengths ? b.input("lengths", DType.I64, "B") : null;
        Map<String, Value> weights = new LinkedHashMap<>();
        cfg.weightTypes().forEach((name, t) -> weights.put(name, b.parameter(name, t.dtype(), t.shape().dims().toArray())));
        return new Sources(input, h0, c0, lengths, weights);
    }

    /** output, h_n and (LSTM) c_n, by those names. */
    private static Map<String, Value> results(Outputs out) {
        Map<String, Value> results = new LinkedHashMap<>();
        results.put("output", out.output());
        results.put("h_n", out.hN());
        if (out.cN() != null) {
            results.put("c_n", out.cN());
        }
        return results;
    }

    /**
     * The layer with its gradients, as {@code spool eval --grad} computes them: inputs {@code input},
     * {@code h0} (and {@code c0}), optional {@code lengths}, {@code grad_output} and optional
     * {@code grad_h_n}/{@code grad_c_n}; results {@code output}, {@code h_n}, ({@code c_n}) and
     * {@code grad.input}, {@code grad.h0}, ({@code grad.c0}), {@code grad.<weight>} of
     * {@code sum(output * grad_output) + sum(h_n * grad_h_n) [+ sum(c_n * grad_c_n)]}.
     *
     * <pre>{@code Graph g = RecurrentLayer.gradientGraph(cfg, false, true, false);}</pre>
     */
    public static Graph gradientGraph(RecurrentConfig cfg, boolean withLengths, boolean withGradHn, boolean withGradCn) {
        return gradientGraph(cfg, withLengths, withGradHn, withGradCn, 0);
    }

    /** As above, with gradient checkpointing every {@code checkpointEvery} steps (needs a fixed T: see {@link Grad}): {@code gradientGraph(cfg, false, true, false, 2)}. */
    public static Graph gradientGraph(RecurrentConfig cfg, boolean withLengths, boolean withGradHn, boolean withGradCn, int checkpointEvery) {
        return gradientGraph(cfg, withLengths, withGradHn, withGradCn, checkpointEvery, null);
    }

    /**
     * As above; {@code steps}, when given, fixes the time dim (checkpointing needs it), else it is the symbol T.
     *
     * <pre>{@code Graph g = RecurrentLayer.gradientGraph(cfg, false, true, false, 2, 6);}</pre>
     */
    public static Graph gradientGraph(RecurrentConfig cfg, boolean withLengths, boolean withGradHn, boolean withGradCn,
                                      int checkpointEvery, Integer steps) {
        Object time = steps == null ? "T" : steps;
        Builder b = new Builder();
        Sources in = declare(b, cfg, time, true, withLengths);
        Outputs out = apply(b, cfg, in.input(), in.h0(), in.c0(), in.lengths(), in.weights());
        Value loss = b.sum(b.mul(out.output(), b.input("grad_output", cfg.dtype(), b.typeOf(out.output()).shape().dims().toArray())));
        if (withGradHn) {
            loss = b.add(loss, b.sum(b.mul(out.hN(), b.input("grad_h_n", cfg.dtype(), b.typeOf(out.hN()).shape().dims().toArray()))));
        }
        if (withGradCn && out.cN() != null) {
            loss = b.add(loss, b.sum(b.mul(out.cN(), b.input("grad_c_n", cfg.dtype(), b.typeOf(out.cN()).shape().dims().toArray()))));
        }
        Map<String, Value> results = results(out);
        results.put("loss", loss);
        List<String> wrt = new ArrayList<>(List.of("input", "h0"));
        if (in.c0() != null) {
            wrt.add("c0");
        }
        wrt.addAll(in.weights().keySet());
        Graph g = Grad.of(b.build(results), "loss", wrt, checkpointEvery);
        return withoutResult(g, "loss");
    }

    private static Graph withoutResult(Graph g, String name) {
        List<Value> rs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < g.results().size(); i++) {
            if (!g.resultNames().get(i).equals(name)) {
                rs.add(g.results().get(i));
                names.add(g.resultNames().get(i));
            }
        }
        return new Graph(g.nodes(), g.params(), rs, names);
    }

    /** Adds the layer to {@code b}; h0, c0 and lengths may be null: {@code RecurrentLayer.apply(b, cfg, x, null, null, null, weights)}. */
    public static Outputs apply(Builder b, RecurrentConfig cfg, Value input, Value h0, Value c0, Value lengths,
                                Map<String, Value> weights) {
        CellType cell = cfg.cell();
        int hidden = cfg.hiddenSize();
        Value x = cfg.batchFirst() ? b.transpose(input, 1, 0, 2) : input;
        Object batch = b.typeOf(x).shape().dim(1);
        List<Value> hs = new ArrayList<>();
        List<Value> cs = new ArrayList<>();
        for (int l = 0; l < cfg.layers(); l++) {
            List<Value> dirOutputs = new ArrayList<>();
            for (int d = 0; d < cfg.directions(); d++) {
                int k = l * cfg.directions() + d;
                List<Value> init = new ArrayList<>();
                init.add(h0 != null ? b.index(h0, 0, k) : b.zeros(cfg.dtype(), batch, hidden));
                if (cell.hasCellState()) {
                    init.add(c0 != null ? b.index(c0, 0, k) : b.zeros(cfg.dtype(), batch, hidden));
                }
                Cells.Weights w = weightsOf(cfg, weights, l, d);
                ScanOptions opts = ScanOptions.DEFAULT.carryNames(cell.hasCellState() ? new String[] {"h", "c"} : new String[] {"h"});
                if (d == 1) {
                    opts = opts.reverse();
                }
                if (lengths != null) {
                    opts = opts.lengths(lengths);
                }
                ScanResult r = b.scan(opts, init, List.of(x), (carries, slices) -> {
                    List<Value> next = Cells.step(b, cell, hidden, carries, slices.get(0), w);
                    return Step.of(next, List.of(next.get(0)));
                });
                dirOutputs.add(r.outputs().get(0));
                hs.add(r.carries().get(0));
                if (cell.hasCellState()) {
                    cs.add(r.carries().get(1));
                }
            }
            x = dirOutputs.size() == 1 ? dirOutputs.get(0) : b.concat(2, dirOutputs);
        }
        Value output = cfg.batchFirst() ? b.transpose(x, 1, 0, 2) : x;
        return new Outputs(output, b.stack(0, hs), cs.isEmpty() ? null : b.stack(0, cs));
    }

    private static Cells.Weights weightsOf(RecurrentConfig cfg, Map<String, Value> w, int layer, int dir) {
        if (cfg.cell() == CellType.MYRNN) {
            return new Cells.Weights(w.get("projection_1.weight"), w.get("projection_2.weight"),
                    w.get("projection_1.bias"), w.get("projection_2.bias"));
        }
        String sfx = "_l" + layer + (dir == 1 ? "_reverse" : "");
        return new Cells.Weights(w.get("weight_ih" + sfx), w.get("weight_hh" + sfx), w.get("bias_ih" + sfx), w.get("bias_hh" + sfx));
    }

    /**
     * Checks run-time inputs against the layer before running it, with messages in the layer's
     * terms (features per step, number of states) rather than the graph's.
     *
     * <pre>{@code RecurrentLayer.checkInputs(cfg, Map.of("input", x));}</pre>
     *
     * @throws InputException naming the tensor, the expected and the actual shape or dtype
     */
    public static void checkInputs(RecurrentConfig cfg, Map<String, Tensor> inputs) {
        checkInputs(cfg, inputs, false);
    }

    /**
     * As {@link #checkInputs(RecurrentConfig, Map)}; with {@code grad}, also {@code grad_output}
     * (required, the shape of output) and optional {@code grad_h_n}, {@code grad_c_n}.
     *
     * <pre>{@code RecurrentLayer.checkInputs(cfg, Map.of("input", x, "grad_output", g), true);}</pre>
     */
    /**
     * When {@code batch} (the batch size another tensor implies) is the input's other leading axis,
     * the input is probably in the other layout: a hint to add or drop --batch-first; else "".
     */
    private static String layoutHint(RecurrentConfig cfg, Tensor x, int batch) {
        int other = x.dim(cfg.batchFirst() ? 1 : 0);
        if (batch < 0 || batch != other || other == x.dim(cfg.batchFirst() ? 0 : 1)) {
            return "";
        }
        return cfg.batchFirst() ? "; is 'input' (T, B, I)? then drop --batch-first" : "; is 'input' (B, T, I)? then pass --batch-first";
    }

    /**
     * Checks a layer's inputs ({@code input}, optional {@code h0}, {@code c0}, {@code lengths}, and with
     * {@code grad} the output cotangents) against the configuration before anything runs; a mismatch is
     * an {@link dev.spool.graph.InputException} naming the tensor, both shapes and, where the batch
     * sizes suggest it, a missing or extra {@code --batch-first}.
     *
     * <pre>{@code RecurrentLayer.checkInputs(cfg, SafeTensors.read(path), false);}</pre>
     */
    public static void checkInputs(RecurrentConfig cfg, Map<String, Tensor> inputs, boolean grad) {
        Tensor x = inputs.get("input");
        String layout = cfg.batchFirst() ? "(B, T, " + cfg.inputSize() + ") with --batch-first" : "(T, B, " + cfg.inputSize() + ")";
        if (x == null) {
            throw new InputException("missing tensor 'input' " + layout + "; the inputs file has " + inputs.keySet());
        }
        if (x.dtype() != cfg.dtype()) {
            // cfg.dtype() is the weights' dtype (checked against --dtype already): suggesting --dtype of the input would fail on the weights.
            throw new InputException("tensor 'input': expected " + cfg.dtype() + " like the weights (--dtype " + cfg.dtype().cliName()
                    + "), got " + x.dtype() + (x.dtype().isFloat() ? "; weights and inputs must have one dtype: convert the inputs to " + cfg.dtype()
                    + " (or the weights to " + x.dtype() + " and pass --dtype " + x.dtype().cliName() + ")"
                    : "; inputs must be floating point (one-hot encode token ids)"));
        }
        if (x.rank() != 3 || x.dim(2) != cfg.inputSize()) {
            throw new InputException("tensor 'input': expected shape " + layout + " to match weight "
                    + (cfg.cell() == CellType.MYRNN ? "projection_1.weight" : "weight_ih_l0") + ", got " + Shape.of(x.shape()));
        }
        int batch = x.dim(cfg.batchFirst() ? 0 : 1);
        int steps = x.dim(cfg.batchFirst() ? 1 : 0);
        int states = cfg.layers() * cfg.directions();
        for (String name : List.of("h0", "c0")) {
            Tensor s = inputs.get(name);
            if (s == null) {
                continue;
            }
            if (name.equals("c0") && !cfg.cell().hasCellState()) {
                throw new InputException("tensor 'c0' is only used by lstm, not " + cfg.cell().cliName() + "; remove it");
            }
            int[] want = {states, batch, cfg.hiddenSize()};
            if (s.dtype() != cfg.dtype() || !java.util.Arrays.equals(s.shape(), want)) {
                throw new InputException("tensor '" + name + "': expected " + cfg.dtype() + Shape.of(want) + " (layers*directions, batch, hidden), got "
                        + s.dtype() + Shape.of(s.shape()) + layoutHint(cfg, x, s.rank() == 3 ? s.dim(1) : -1));
            }
        }
        if (cfg.cell().hasCellState() && (inputs.get("h0") == null) != (inputs.get("c0") == null)) {
            throw new InputException("lstm needs both 'h0' and 'c0' or neither; the inputs file has only "
                    + (inputs.get("h0") != null ? "'h0'" : "'c0'"));
        }
        Tensor len = inputs.get("lengths");
        if (len != null) {
            if (!len.dtype().isInteger() || len.rank() != 1 || len.dim(0) != batch) {
                throw new InputException("tensor 'lengths': expected I64(" + batch + ") (one length per batch row), got "
                        + len.dtype() + Shape.of(len.shape()) + layoutHint(cfg, x, len.rank() == 1 ? len.dim(0) : -1));
            }
            for (int i = 0; i < len.size(); i++) {
                long l = len.getLong(i);
                if (l < 1 || l > steps) {
                    throw new InputException("tensor 'lengths': lengths[" + i + "] = " + l + " must be in [1, " + steps + "] (the input has T=" + steps + " steps)");
                }
            }
        }
        if (grad) {
            int[] out = cfg.batchFirst() ? new int[] {batch, steps, cfg.directions() * cfg.hiddenSize()}
                    : new int[] {steps, batch, cfg.directions() * cfg.hiddenSize()};
            int[] state = {states, batch, cfg.hiddenSize()};
            if (!inputs.containsKey("grad_output")) {
                throw new InputException("--grad needs tensor 'grad_output' " + Shape.of(out) + " (the cotangent of output) in the inputs file");
            }
            checkShape(inputs, "grad_output", cfg.dtype(), out, "the shape of output");
            checkShape(inputs, "grad_h_n", cfg.dtype(), state, "the shape of h_n");
            if (inputs.containsKey("grad_c_n") && !cfg.cell().hasCellState()) {
                throw new InputException("tensor 'grad_c_n' is only used by lstm, not " + cfg.cell().cliName() + "; remove it");
            }
            checkShape(inputs, "grad_c_n", cfg.dtype(), state, "the shape of c_n");
        }
        List<String> known = grad ? List.of("input", "h0", "c0", "lengths", "grad_output", "grad_h_n", "grad_c_n")
                : List.of("input", "h0", "c0", "lengths");
        for (String name : inputs.keySet()) {
            if (!known.contains(name)) {
                throw new InputException("unexpected tensor '" + name + "' in the inputs; expected " + String.join(", ", known)
                        + (name.startsWith("grad_") ? " (grad_* tensors need --grad)" : ""));
            }
        }
    }

    private static void checkShape(Map<String, Tensor> inputs, String name, DType dtype, int[] want, String what) {
        Tensor t = inputs.get(name);
        if (t != null && (t.dtype() != dtype || !java.util.Arrays.equals(t.shape(), want))) {
            throw new InputException("tensor '" + name + "': expected " + dtype + Shape.of(want) + " (" + what + "), got "
                    + t.dtype() + Shape.of(t.shape()));
        }
    }
}
