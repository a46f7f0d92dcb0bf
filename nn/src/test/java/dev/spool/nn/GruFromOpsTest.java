package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.nn.train.Initializer;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The GRU written from ops computes the built-in GRU language model's function when given its
 * weights: the same logits and loss, and gradients that are the built-in ones re-laid out (each
 * gate's rows transposed; r and z bias gradients shared by both built-in biases). f64, to 1e-12.
 */
class GruFromOpsTest {
    private static final int VOCAB = 5;
    private static final int HIDDEN = 3;
    private static final int STEPS = 4;
    private static final int BATCH = 2;

    @Test
    void gruFromOpsMatchesTheBuiltInGruWithCarriedOverWeights() {
        var cfg = new RecurrentConfig(CellType.GRU, VOCAB, HIDDEN, 1, false, false, DType.F64);
        var rnd = new SplittableRandom(7);
        Map<String, Tensor> builtIn = new LinkedHashMap<>(Initializer.recurrent(cfg, rnd));
        builtIn.putAll(Initializer.linear("linear.", HIDDEN, VOCAB, DType.F64, rnd));
        var custom = new GruFromOps(VOCAB, HIDDEN, DType.F64);
        Map<String, Tensor> mine = custom.fromPyTorch(builtIn);
        long[] tokens = new long[STEPS * BATCH];
        long[] targets = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rnd.nextInt(VOCAB);
            targets[i] = rnd.nextInt(VOCAB);
        }
        Map<String, Tensor> data = Map.of("tokens", Tensor.ofLongs(new int[] {STEPS, BATCH}, tokens),
                "targets", Tensor.ofLongs(new int[] {STEPS, BATCH}, targets));
        Map<String, Tensor> want = CpuBackend.compile(new LanguageModel(cfg).trainingGraph()).run(with(builtIn, data));
        Map<String, Tensor> got = CpuBackend.compile(custom.trainingGraph("T")).run(with(mine, data));
        assertEquals(want.get("loss").getDouble(0), got.get("loss").getDouble(0), 1e-12);

        Map<String, Tensor> wantGrads = new HashMap<>();
        builtIn.keySet().forEach(k -> wantGrads.put(k, want.get("grad." + k)));
        Map<String, Tensor> relaid = custom.fromPyTorch(wantGrads);
        // b_r's gradient is that of either built-in bias (they enter as a sum), not their sum: undo fromPyTorch's addition.
        for (String k : new String[] {"b_r", "b_z"}) {
            Tensor t = relaid.get(k);
            for (int i = 0; i < t.size(); i++) {
                t.setDouble(i, t.getDouble(i) / 2);
            }
        }
        for (String k : custom.parameterTypes().keySet()) {
            Fixtures.assertClose("grad." + k, relaid.get(k), got.get("grad." + k), 1e-12);
        }
        Tensor logitsWant = CpuBackend.compile(new LanguageModel(cfg).logitsGraph()).run(with(builtIn, data)).get("logits");
        Tensor logitsGot = CpuBackend.compile(custom.logitsGraph("T")).run(with(mine, data)).get("logits");
        Fixtures.assertClose("logits", logitsWant, logitsGot, 1e-12);
    }

    private static Map<String, Tensor> with(Map<String, Tensor> params, Map<String, Tensor> data) {
        Map<String, Tensor> f = new HashMap<>(params);
        f.putAll(data);
        return f;
    }
}
