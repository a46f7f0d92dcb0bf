package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Fused;
import dev.spool.ops.internal.Primitive;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static dev.spool.graph.DType.F64;

/**
 * Tiny graphs for the compiler's late passes: one step of the RNN, GRU and LSTM cells (PyTorch's
 * equations and gate order, as in {@code nn.Cells}) at the top level, and the same cells as scans.
 * Batch 2, input 3, hidden 4, length 5 unless given.
 */
public final class TestPrograms {
    public static final int B = 2;
    public static final int I = 3;
    public static final int H = 4;
    public static final int T = 5;

    private TestPrograms() {
    }

    /** The cell kinds. */
    public enum Cell { RNN, GRU, LSTM }

    /** Gate k of a (B, G*H) pre-activation. */
    private static Value gate(Builder b, Value pre, int k) {
        return b.slice(pre, -1, k * H, (k + 1) * H);
    }

    /** One step of the cell: the next carries (h, and c for the LSTM). */
    public static List<Value> step(Builder b, Cell cell, List<Value> carries, Value x, Value wIh, Value wHh, Value bIh, Value bHh) {
        Value h = carries.get(0);
        return switch (cell) {
            case RNN -> List.of(b.tanh(b.add(b.linear(x, wIh, bIh), b.linear(h, wHh, bHh))));
            case GRU -> {
                Value gi = b.linear(x, wIh, bIh);
                Value gh = b.linear(h, wHh, bHh);
                Value r = b.sigmoid(b.add(gate(b, gi, 0), gate(b, gh, 0)));
                Value z = b.sigmoid(b.add(gate(b, gi, 1), gate(b, gh, 1)));
                Value n = b.tanh(b.add(gate(b, gi, 2), b.mul(r, gate(b, gh, 2))));
                yield List.of(b.add(n, b.mul(z, b.sub(h, n))));
            }
            case LSTM -> {
                Value c = carries.get(1);
                Value gates = b.add(b.linear(x, wIh, bIh), b.linear(h, wHh, bHh));
                Value i = b.sigmoid(gate(b, gates, 0));
                Value f = b.sigmoid(gate(b, gates, 1));
                Value g = b.tanh(gate(b, gates, 2));
                Value o = b.sigmoid(gate(b, gates, 3));
                Value c2 = b.add(b.mul(f, c), b.mul(i, g));
                yield List.of(b.mul(o, b.tanh(c2)), c2);
            }
        };
    }

    private static int gates(Cell cell) {
        return switch (cell) {
            case RNN -> 1;
            case GRU -> 3;
            case LSTM -> 4;
        };
    }

    /** One cell step at the top level: inputs x, h (and c), parameters w_ih, w_hh, b_ih, b_hh; results h (and c). */
    public static Graph cellStep(Cell cell) {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, I);
        List<Value> carries = new ArrayList<>(List.of(b.input("h", F64, B, H)));
        if (cell == Cell.LSTM) {
            carries.add(b.input("c", F64, B, H));
        }
        int g = gates(cell) * H;
        List<Value> next = step(b, cell, carries, x, b.parameter("w_ih", F64, g, I), b.parameter("w_hh", F64, g, H),
                b.parameter("b_ih", F64, g), b.parameter("b_hh", F64, g));
        return cell == Cell.LSTM ? b.build("h", next.get(0), "c", next.get(1)) : b.build("h", next.get(0));
    }

    /** The cell step with {@code loss = sum(h * r)} (plus {@code sum(c * rc)} for the LSTM). */
    public static Graph cellStepLoss(Cell cell) {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, I);
        List<Value> carries = new ArrayList<>(List.of(b.input("h", F64, B, H)));
        if (cell == Cell.LSTM) {
            carries.add(b.input("c", F64, B, H));
        }
        int g = gates(cell) * H;
        List<Value> next = step(b, cell, carries, x, b.parameter("w_ih", F64, g, I), b.parameter("w_hh", F64, g, H),
                b.parameter("b_ih", F64, g), b.parameter("b_hh", F64, g));
        Value loss = b.sum(b.mul(next.get(0), b.input("r", F64, B, H)));
        if (cell == Cell.LSTM) {
            loss = b.add(loss, b.sum(b.mul(next.get(1), b.input("rc", F64, B, H))));
        }
        return b.build("loss", loss);
    }

    /** The cell over a (T, B, I) sequence from zero carries: results ys (T, B, H) and the final h. */
    public static Graph cellScan(Cell cell) {
        return cellScan(cell, false);
    }

    /** As {@link #cellScan(Cell)}; with {@code loss} the results are {@code loss = sum(ys)}, ys and h. */
    public static Graph cellScan(Cell cell, boolean loss) {
        Builder b = new Builder();
        Value xs = b.input("x", F64, T, B, I);
        int g = gates(cell) * H;
        Value wIh = b.parameter("w_ih", F64, g, I);
        Value wHh = b.parameter("w_hh", F64, g, H);
        Value bIh = b.parameter("b_ih", F64, g);
        Value bHh = b.parameter("b_hh", F64, g);
        List<Value> init = new ArrayList<>(List.of(b.zeros(F64, B, H)));
        if (cell == Cell.LSTM) {
            init.add(b.zeros(F64, B, H));
        }
        ScanResult r = b.scan(ScanOptions.DEFAULT, init, List.of(xs), (c, s) -> {
            List<Value> next = step(b, cell, c, s.get(0), wIh, wHh, bIh, bHh);
            return Step.of(next, List.of(next.get(0)));
        });
        if (loss) {
            return b.build("loss", b.sum(r.outputs().get(0)), "ys", r.outputs().get(0), "h", r.carries().get(0));
        }
        return b.build("ys", r.outputs().get(0), "h", r.carries().get(0));
    }

    /** The nodes of g (not of nested graphs) whose op satisfies the predicate. */
    public static List<Node> nodes(Graph g, Predicate<Node> p) {
        return g.nodes().stream().filter(p).toList();
    }

    /** Whether n is a fused group. */
    public static boolean isFused(Node n) {
        return n.op() instanceof Fused;
    }

    /** The fused nodes of g. */
    public static List<Fused> fused(Graph g) {
        return g.nodes().stream().filter(n -> n.op() instanceof Fused).map(n -> (Fused) n.op()).toList();
    }

    /** The op name of each node of g that is a primitive, e.g. "sigmoid", in order. */
    public static List<String> opNames(Graph g) {
        return g.nodes().stream().filter(n -> n.op() instanceof Primitive).map(n -> n.op().name()).toList();
    }
}
