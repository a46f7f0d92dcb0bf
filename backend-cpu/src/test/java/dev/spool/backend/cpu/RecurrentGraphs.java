package dev.spool.backend.cpu;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Single-layer RNN (tanh), GRU and LSTM scans written from graph ops with PyTorch's equations and
 * gate order (the nn module's cells, which this module cannot depend on), over a symbolic sequence
 * length "T": inference graphs (final hidden state) and training graphs (loss plus the gradients of
 * every weight and of h0).
 */
final class RecurrentGraphs {
    enum Cell {
        RNN(1), GRU(3), LSTM(4);

        final int gates;

        Cell(int gates) {
            this.gates = gates;
        }
    }

    static final List<String> WEIGHTS = List.of("w_ih", "w_hh", "b_ih", "b_hh");

    private RecurrentGraphs() {
    }

    private static Value gate(Builder b, Value pre, int k, int hidden) {
        return b.slice(pre, -1, k * hidden, (k + 1) * hidden);
    }

    /** One step of the cell: the next carries (h, and c for an LSTM). */
    static List<Value> step(Builder b, Cell cell, int hidden, List<Value> carries, Value x, Value wIh, Value wHh, Value bIh, Value bHh) {
        Value h = carries.get(0);
        return switch (cell) {
            case RNN -> List.of(b.tanh(b.add(b.linear(x, wIh, bIh), b.linear(h, wHh, bHh))));
            case GRU -> {
                Value gi = b.linear(x, wIh, bIh);
                Value gh = b.linear(h, wHh, bHh);
                Value r = b.sigmoid(b.add(gate(b, gi, 0, hidden), gate(b, gh, 0, hidden)));
                Value z = b.sigmoid(b.add(gate(b, gi, 1, hidden), gate(b, gh, 1, hidden)));
                Value n = b.tanh(b.add(gate(b, gi, 2, hidden), b.mul(r, gate(b, gh, 2, hidden))));
                yield List.of(b.add(n, b.mul(z, b.sub(h, n))));
            }
            case LSTM -> {
                Value c = carries.get(1);
                Value gates = b.add(b.linear(x, wIh, bIh), b.linear(h, wHh, bHh));
                Value i = b.sigmoid(gate(b, gates, 0, hidden));
                Value f = b.sigmoid(gate(b, gates, 1, hidden));
                Value g = b.tanh(gate(b, gates, 2, hidden));
                Value o = b.sigmoid(gate(b, gates, 3, hidden));
                Value c2 = b.add(b.mul(f, c), b.mul(i, g));
                yield List.of(b.mul(o, b.tanh(c2)), c2);
            }
        };
    }

    /**
     * The scan over xs (T, B, I): results "h" (final hidden state) and, when {@code training},
     * "loss" = Σ_t Σ ys_t · r_t (r a fed (T, B, H) tensor) + Σ h_T, with gradients for the weights
     * and h0 ("grad.w_ih", ...).
     */
    static Graph graph(Cell cell, DType t, int input, int hidden, boolean training) {
        return graph(cell, t, input, hidden, training, false, false);
    }

    /** As above, the scan reversed and/or masked by per-row lengths (an I64 input "lengths" of shape (B)). */
    static Graph graph(Cell cell, DType t, int input, int hidden, boolean training, boolean reverse, boolean lengths) {
        var b = new Builder();
        Value xs = b.input("xs", t, "T", "B", input);
        Value h0 = b.input("h0", t, "B", hidden);
        Value wIh = b.input("w_ih", t, cell.gates * hidden, input);
        Value wHh = b.input("w_hh", t, cell.gates * hidden, hidden);
        Value bIh = b.input("b_ih", t, cell.gates * hidden);
        Value bHh = b.input("b_hh", t, cell.gates * hidden);
        List<Value> init = new ArrayList<>(List.of(h0));
        if (cell == Cell.LSTM) {
            init.add(b.input("c0", t, "B", hidden));
        }
        ScanOptions options = reverse ? ScanOptions.DEFAULT.reverse() : ScanOptions.DEFAULT;
        if (lengths) {
            options = options.lengths(b.input("lengths", DType.I64, "B"));
        }
        ScanResult r = b.scan(options, init, List.of(xs), (cs, ss) -> {
            List<Value> next = step(b, cell, hidden, cs, ss.get(0), wIh, wHh, bIh, bHh);
            return Step.of(next, List.of(next.get(0)));
        });
        Value h = r.carries().get(0);
        if (!training) {
            return b.build("h", h);
        }
        Value rs = b.input("r", t, "T", "B", hidden);
        Value loss = b.add(b.sum(b.mul(r.outputs().get(0), rs)), b.sum(h));
        List<String> wrt = new ArrayList<>(WEIGHTS);
        wrt.add("h0");
        return Grad.of(b.build("loss", loss, "h", h), "loss", wrt);
    }

    /** Random feeds for the graph with T steps and batch B (seeded). */
    static Map<String, Tensor> feeds(Cell cell, DType t, int steps, int batch, int input, int hidden, long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> f = new HashMap<>();
        double k = 1 / Math.sqrt(hidden);
        f.put("xs", random(rnd, t, 1, steps, batch, input));
        f.put("h0", random(rnd, t, 0.5, batch, hidden));
        if (cell == Cell.LSTM) {
            f.put("c0", random(rnd, t, 0.5, batch, hidden));
        }
        f.put("w_ih", random(rnd, t, k, cell.gates * hidden, input));
        f.put("w_hh", random(rnd, t, k, cell.gates * hidden, hidden));
        f.put("b_ih", random(rnd, t, k, cell.gates * hidden));
        f.put("b_hh", random(rnd, t, k, cell.gates * hidden));
        f.put("r", random(rnd, t, 1, steps, batch, hidden));
        return f;
    }

    static Tensor random(Random rnd, DType t, double scale, int... shape) {
        Tensor x = Tensor.zeros(t, shape);
        for (int i = 0; i < x.size(); i++) {
            x.setDouble(i, rnd.nextGaussian() * scale);
        }
        return x;
    }
}
