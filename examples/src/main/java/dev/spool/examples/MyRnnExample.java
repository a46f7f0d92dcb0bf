package dev.spool.examples;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.spool.graph.DType.F32;

/**
 * README's MyRNN, {@code y_t = tanh(P1 x_t + b1) + tanh(P2 y_{t-1} + b2)}, built with {@code scan},
 * run on random weights and checked against the same recurrence written as plain Java loops.
 */
public final class MyRnnExample {
    static final int FEATURES = 3;
    static final int UNITS = 4;

    /** The README example as it is printed there. */
    static Graph myRnn(int features, int units) {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", features);            // time-major sequence
        Value p1 = b.parameter("projection_1.weight", F32, units, features);
        Value b1 = b.parameter("projection_1.bias", F32, units);
        Value p2 = b.parameter("projection_2.weight", F32, units, units);
        Value b2 = b.parameter("projection_2.bias", F32, units);
        Value state = b.zeros(F32, "B", units);

        ScanResult loop = b.scan(List.of(state), List.of(x), (carry, xt) -> {
            Value h = b.tanh(b.linear(xt.get(0), p1, b1));            // projection_1, tanh
            Value y = b.add(h, b.tanh(b.linear(carry.get(0), p2, b2))); // + projection_2(state), tanh
            return Step.of(List.of(y), List.of(y));                    // next state, this step's output
        });
        return b.build("outputs", loop.outputs().get(0));              // stacked: (T, B, units)
    }

    public static void main(String[] args) {
        Graph g = myRnn(FEATURES, UNITS);
        System.out.println(g);

        int steps = 6;
        int batch = 2;
        SplittableRandom rnd = new SplittableRandom(7);
        Map<String, Tensor> feeds = Map.of(
                "x", random(rnd, steps, batch, FEATURES),
                "projection_1.weight", random(rnd, UNITS, FEATURES),
                "projection_1.bias", random(rnd, UNITS),
                "projection_2.weight", random(rnd, UNITS, UNITS),
                "projection_2.bias", random(rnd, UNITS));
        Tensor out = CpuBackend.compile(g).run(feeds).get("outputs");   // T and B bound from x: (6, 2, 4)

        double[][][] expected = loops(feeds, steps, batch);
        double worst = 0;
        for (int t = 0; t < steps; t++) {
            for (int r = 0; r < batch; r++) {
                for (int u = 0; u < UNITS; u++) {
                    worst = Math.max(worst, Math.abs(out.get(t, r, u) - expected[t][r][u]));
                }
            }
        }
        System.out.printf("outputs %s, y[5][1] = %s%n", out.type(), out.step(5).step(1));
        System.out.printf("largest difference from plain Java loops: %.2e%n", worst);
        if (!(worst < 1e-5)) {
            throw new AssertionError("MyRNN differs from the plain loops by " + worst);
        }
    }

    /** The recurrence as loops, in double: the independent reference. */
    private static double[][][] loops(Map<String, Tensor> f, int steps, int batch) {
        Tensor x = f.get("x");
        Tensor p1 = f.get("projection_1.weight");
        Tensor b1 = f.get("projection_1.bias");
        Tensor p2 = f.get("projection_2.weight");
        Tensor b2 = f.get("projection_2.bias");
        double[][][] y = new double[steps][batch][UNITS];
        for (int t = 0; t < steps; t++) {
            for (int r = 0; r < batch; r++) {
                for (int u = 0; u < UNITS; u++) {
                    double a = b1.get(u);
                    for (int i = 0; i < FEATURES; i++) {
                        a += p1.get(u, i) * x.get(t, r, i);
                    }
                    double c = b2.get(u);
                    for (int v = 0; v < UNITS && t > 0; v++) {
                        c += p2.get(u, v) * y[t - 1][r][v];
                    }
                    y[t][r][u] = Math.tanh(a) + Math.tanh(c);
                }
            }
        }
        return y;
    }

    private static Tensor random(SplittableRandom rnd, int... shape) {
        Tensor t = Tensor.zeros(F32, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, rnd.nextDouble(-0.5, 0.5));
        }
        return t;
    }
}
