package dev.spool.examples;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.nn.train.Sgd;
import dev.spool.nn.train.TrainingStep;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import static dev.spool.graph.DType.F32;

/**
 * The Spool column of docs/comparison.md: MyRNN and one SGD step on closed-form data, checked
 * against what {@code tools/comparison_myrnn_torch.py} prints for PyTorch 1.13.
 */
public final class ComparisonMyRnn {
    static final int T = 5, B = 2, F = 3, U = 4;
    /** Printed by tools/comparison_myrnn_torch.py. */
    static final double TORCH_LOSS = 0.0866439, TORCH_LOSS_AFTER = 0.0791295, TORCH_P2_00 = 0.1957516;

    // --- comparison start ---
    static Graph lossGraph() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", F);                // time-major
        Value y = b.input("y", F32, "T", "B", U);
        Value p1 = b.parameter("projection_1.weight", F32, U, F);
        Value b1 = b.parameter("projection_1.bias", F32, U);
        Value p2 = b.parameter("projection_2.weight", F32, U, U);
        Value b2 = b.parameter("projection_2.bias", F32, U);
        ScanResult loop = b.scan(List.of(b.zeros(F32, "B", U)), List.of(x), (state, xt) -> {
            Value next = b.add(b.tanh(b.linear(xt.get(0), p1, b1)), b.tanh(b.linear(state.get(0), p2, b2)));
            return Step.of(List.of(next), List.of(next));
        });
        return b.build("loss", b.mean(b.square(b.sub(loop.outputs().get(0), y))));
    }

    static double oneStep(Map<String, Tensor> params, Map<String, Tensor> batch) {
        Graph train = Grad.of(lossGraph(), "loss", List.copyOf(params.keySet()));   // + grad.<name>
        var step = new TrainingStep(CpuBackend.compile(train)::run, params, new Sgd(0.1, 0, 0), Double.POSITIVE_INFINITY);
        return step.run(batch).loss();                            // runs, then updates params in place
    }
    // --- comparison end ---

    public static void main(String[] args) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("projection_1.weight", closedForm(i -> 0.2 * Math.sin(i[0] + 2 * i[1] + 1), U, F));
        params.put("projection_1.bias", closedForm(i -> 0.1 * Math.cos(i[0]), U));
        params.put("projection_2.weight", closedForm(i -> 0.2 * Math.cos(2 * i[0] + i[1]), U, U));
        params.put("projection_2.bias", closedForm(i -> 0.05 * Math.sin(i[0] + 1), U));
        Map<String, Tensor> batch = Map.of(
                "x", closedForm(i -> Math.sin(0.7 * i[0] + 1.3 * i[1] + 0.5 * i[2]), T, B, F),
                "y", closedForm(i -> 0.5 * Math.cos(0.3 * i[0] + 0.9 * i[1] + 0.4 * i[2]), T, B, U));
        double loss = oneStep(params, batch);
        Map<String, Tensor> feeds = new LinkedHashMap<>(params);
        feeds.putAll(batch);
        double after = CpuBackend.compile(lossGraph()).run(feeds).get("loss").get();
        double p200 = params.get("projection_2.weight").get(0, 0);
        System.out.printf("loss %.7f  after one step %.7f  projection_2.weight[0, 0] %.7f%n", loss, after, p200);
        check("loss", loss, TORCH_LOSS);
        check("loss after one step", after, TORCH_LOSS_AFTER);
        check("projection_2.weight[0, 0]", p200, TORCH_P2_00);
        System.out.println("the same numbers as PyTorch (tools/comparison_myrnn_torch.py) to 1e-6");
    }

    private static void check(String what, double spool, double torch) {
        if (!(Math.abs(spool - torch) <= 1e-6)) {
            throw new AssertionError(what + ": Spool " + spool + ", PyTorch " + torch);
        }
    }

    /** A tensor whose element at index i is f(i). */
    private static Tensor closedForm(ToDoubleFunction<int[]> f, int... shape) {
        Tensor t = Tensor.zeros(F32, shape);
        for (int flat = 0; flat < t.size(); flat++) {
            int[] index = new int[shape.length];
            for (int a = shape.length - 1, rest = flat; a >= 0; a--) {
                index[a] = rest % shape[a];
                rest /= shape[a];
            }
            t.setDouble(flat, (float) f.applyAsDouble(index));
        }
        return t;
    }
}
