package dev.spool.nn;

import dev.spool.graph.Value;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * One step of each cell, written as graph ops with PyTorch's equations and gate order. Each
 * returns the next carries; carry 0 is the hidden state, which is also the step's output.
 */
final class Cells {
    private Cells() {
    }

    /** Weights of one layer and direction. */
    record Weights(Value wIh, Value wHh, Value bIh, Value bHh) {
    }

    static List<Value> step(Builder b, CellType cell, int hidden, List<Value> carries, Value x, Weights w) {
        Value h = carries.get(0);
        return switch (cell) {
            case RNN, RNN_RELU -> {
                Value pre = b.add(b.linear(x, w.wIh(), w.bIh()), b.linear(h, w.wHh(), w.bHh()));
                yield List.of(cell == CellType.RNN ? b.tanh(pre) : b.relu(pre));
            }
            case GRU -> {
                // n = tanh(W_in x + b_in + r * (W_hn h + b_hn)): r gates the hidden projection *with* its bias.
                Value gi = b.linear(x, w.wIh(), w.bIh());
                Value gh = b.linear(h, w.wHh(), w.bHh());
                Value r = b.sigmoid(b.add(gate(b, gi, 0, hidden), gate(b, gh, 0, hidden)));
                Value z = b.sigmoid(b.add(gate(b, gi, 1, hidden), gate(b, gh, 1, hidden)));
                Value n = b.tanh(b.add(gate(b, gi, 2, hidden), b.mul(r, gate(b, gh, 2, hidden))));
                // h' = (1 - z) * n + z * h = n + z * (h - n)
                yield List.of(b.add(n, b.mul(z, b.sub(h, n))));
            }
            case LSTM -> {
                Value c = carries.get(1);
                Value gates = b.add(b.linear(x, w.wIh(), w.bIh()), b.linear(h, w.wHh(), w.bHh()));
                Value i = b.sigmoid(gate(b, gates, 0, hidden));
                Value f = b.sigmoid(gate(b, gates, 1, hidden));
                Value g = b.tanh(gate(b, gates, 2, hidden));
                Value o = b.sigmoid(gate(b, gates, 3, hidden));
                Value c2 = b.add(b.mul(f, c), b.mul(i, g));
                yield List.of(b.mul(o, b.tanh(c2)), c2);
            }
            case MYRNN -> List.of(b.add(b.tanh(b.linear(x, w.wIh(), w.bIh())), b.tanh(b.linear(h, w.wHh(), w.bHh()))));
        };
    }

    /** Gate k of a (B, G*H) pre-activation: columns [k*H, (k+1)*H). */
    private static Value gate(Builder b, Value pre, int k, int hidden) {
        return b.slice(pre, -1, k * hidden, (k + 1) * hidden);
    }
}
