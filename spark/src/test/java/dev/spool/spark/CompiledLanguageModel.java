package dev.spool.spark;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.train.Initializer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A small character LSTM language model (V 28, H 16) compiled in the test: tokens [T, B] → logits [T, B, 28]. */
final class CompiledLanguageModel implements BatchModel {
    static final int VOCAB = 28;
    private final CpuProgram program;
    private final Map<String, Tensor> params = new HashMap<>();

    CompiledLanguageModel() {
        RecurrentConfig rnn = new RecurrentConfig(CellType.LSTM, VOCAB, 16, 1, false, false, DType.F32);
        SplittableRandom rnd = new SplittableRandom(18);
        params.putAll(Initializer.recurrent(rnn, rnd));
        params.putAll(Initializer.linear("linear.", 16, VOCAB, DType.F32, rnd));
        program = CpuBackend.compile(new LanguageModel(rnn).logitsGraph());
    }

    @Override
    public List<Port> inputs() {
        return List.of(new Port("tokens", DType.I64, List.of("T", "B")));
    }

    @Override
    public List<Port> outputs() {
        return List.of(new Port("logits", DType.F32, List.of("T", "B", VOCAB)));
    }

    @Override
    public boolean isOptional(String input) {
        return false;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        Map<String, Tensor> all = new HashMap<>(params);
        all.putAll(feeds);
        return program.run(all);
    }
}
