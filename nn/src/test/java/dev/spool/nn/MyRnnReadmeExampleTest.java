package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.spool.graph.DType.F32;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MyRNN example of README, verbatim, checked against PyTorch's MyRNN fixture. */
class MyRnnReadmeExampleTest {

    static Graph myRnn(int features, int units) {
        // --- README example start ---
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
        Graph g = b.build("outputs", loop.outputs().get(0));           // stacked: (T, B, units)
        // --- README example end ---
        return g;
    }

    @Test
    void readmeMyRnnMatchesPyTorch() {
        Fixtures.Case c = Fixtures.all().stream().filter(x -> x.name().equals("myrnn-l1-uni-bf-nolen-f32")).findFirst().orElseThrow();
        Map<String, Tensor> feeds = new HashMap<>(c.read("weights.safetensors"));
        Tensor batchFirst = c.read("inputs.safetensors").get("input");
        Graph g = myRnn(batchFirst.dim(2), feeds.get("projection_2.bias").dim(0));
        feeds.put("x", transpose01(batchFirst));
        Tensor out = CpuBackend.compile(g).run(feeds).get("outputs");
        Fixtures.assertClose("outputs", transpose01(c.read("expected.safetensors").get("output")), out, c.tolerance());
    }

    @Test
    void readmeShowsThePrintedGraph() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(Fixtures.root().resolve("../README.md"));
        String printed = myRnn(3, 4).toString();
        assertTrue(readme.contains("```\n" + printed + "```"), "README's printed MyRNN graph is stale; it should be:\n" + printed);
    }

    private static Tensor transpose01(Tensor t) {
        int a = t.dim(0), bDim = t.dim(1), f = t.dim(2);
        Tensor r = Tensor.zeros(t.dtype(), bDim, a, f);
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < bDim; j++) {
                for (int k = 0; k < f; k++) {
                    r.setDouble((j * a + i) * f + k, t.getDouble((i * bDim + j) * f + k));
                }
            }
        }
        return r;
    }
}
