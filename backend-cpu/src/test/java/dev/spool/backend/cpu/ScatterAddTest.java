package dev.spool.backend.cpu;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.spool.graph.DType.F32;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The embedding gradient's {@code scatter_add}, compiled, against the float sums it must equal bit for bit. */
class ScatterAddTest {
    @Test
    void aLargeScatterAddHasTheBitsOfOnePassInIndexOrder() {
        // The gradient of a gather: 4,096 update rows of 32 (512 KB) into 28 rows. Every element must
        // be the float sum of its update rows in index order, from +0, whichever thread runs it.
        // (Tried: two halves of the output rows, each scanning every index: twice as slow, the skip
        // of the other half's rows a branch mispredicted half the time.)
        int count = 4096;
        int width = 32;
        int vocab = 28;
        var b = new Builder();
        Value table = b.parameter("table", F32, vocab, width);
        Value ids = b.input("ids", DType.I64, count);
        Value r = b.input("r", F32, count, width);
        Value loss = b.sum(b.mul(b.gather(table, ids), r));
        Graph g = Grad.of(b.build("loss", loss), "loss", List.of("table"));
        Random rnd = new Random(9);
        Tensor tt = Tensor.zeros(F32, vocab, width);
        Tensor rt = Tensor.zeros(F32, count, width);
        Tensor it = Tensor.zeros(DType.I64, count);
        for (int i = 0; i < rt.size(); i++) {
            rt.setDouble(i, rnd.nextGaussian());
        }
        for (int i = 0; i < count; i++) {
            it.setDouble(i, rnd.nextInt(vocab));
        }
        Map<String, Tensor> in = new HashMap<>(Map.of("table", tt, "ids", it, "r", rt));
        float[] want = new float[vocab * width];
        for (int i = 0; i < count; i++) {
            int row = (int) it.getDouble(i);
            for (int j = 0; j < width; j++) {
                want[row * width + j] += (float) rt.getDouble(i * width + j);
            }
        }
        Tensor got = CpuBackend.compile(g).run(in).get("grad.table");
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits((float) got.getDouble(i)), "grad.table[" + i + "]");
        }
    }
}
