package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.spool.graph.DType.F32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** A view (a time step of a larger tensor) fed to a compiled program and to the reference interpreter is read as its own elements. */
class ViewFeedsTest {

    @Test
    void aTimeStepFedAsAnInputIsReadFromItsOffset() {
        var b = new Builder();
        Value x = b.input("x", F32, "B", 3);
        Value w = b.input("w", F32, 2, 3);
        Graph g = b.build("y", b.matmul(b.tanh(x), w, false, true), "x2", b.mul(x, x));
        Tensor xs = Tensor.of(new float[] {9, 9, 9, 9, 9, 9, 0.5f, -1, 2, 1, 0, -0.25f}, 2, 2, 3);   // step 1 starts at offset 6
        Tensor w2 = Tensor.of(new float[] {1, 1, 1, 0, 1, 2}, 2, 3);
        Map<String, Tensor> feeds = Map.of("x", xs.step(1), "w", w2);
        float[] expectedY = new float[4];
        float[] step = {0.5f, -1, 2, 1, 0, -0.25f};
        for (int r = 0; r < 2; r++) {
            for (int o = 0; o < 2; o++) {
                double s = 0;
                for (int i = 0; i < 3; i++) {
                    s += Math.tanh(step[r * 3 + i]) * w2.get(o, i);
                }
                expectedY[r * 2 + o] = (float) s;
            }
        }
        float[] expectedX2 = new float[6];
        for (int i = 0; i < 6; i++) {
            expectedX2[i] = step[i] * step[i];
        }
        List<Function<Map<String, Tensor>, Map<String, Tensor>>> programs = List.of(CpuBackend.compile(g)::run, CpuBackend.reference(g)::run);
        for (var program : programs) {
            Map<String, Tensor> r = program.apply(feeds);
            assertArrayEquals(expectedY, r.get("y").toFloatArray(), 1e-6f);
            assertArrayEquals(expectedX2, r.get("x2").toFloatArray(), 0f);
        }
    }
}
