package dev.spool.backend.cuda;

import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The graphs of the PyTorch fixture layers (every cell, forward and gradient) and of the anchor language model, at small sizes. */
final class FixtureModels {
    private FixtureModels() {
    }

    record Model(String name, Graph graph, Map<String, Integer> dims) {
    }

    static List<Model> all() {
        List<Model> out = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean bi : new boolean[] {false, true}) {
                    if (cell == CellType.MYRNN && (layers == 2 || bi)) {
                        continue;
                    }
                    for (boolean batchFirst : new boolean[] {false, true}) {
                        for (boolean lengths : new boolean[] {false, true}) {
                            RecurrentConfig cfg = new RecurrentConfig(cell, 3, 4, layers, bi, batchFirst, DType.F32);
                            String name = cell.cliName() + "-l" + layers + (bi ? "-bi" : "-uni") + (batchFirst ? "-bf" : "-tm") + (lengths ? "-len" : "-nolen");
                            out.add(new Model(name, RecurrentLayer.graph(cfg, true, lengths), Map.of("T", 5, "B", 3)));
                            out.add(new Model(name + "-grad", RecurrentLayer.gradientGraph(cfg, lengths, true, cell.hasCellState()),
                                    Map.of("T", 5, "B", 3)));
                        }
                    }
                }
            }
        }
        for (CellType cell : List.of(CellType.RNN, CellType.GRU, CellType.LSTM)) {
            LanguageModel lm = new LanguageModel(new RecurrentConfig(cell, 28, 8, 1, false, false, DType.F32));
            out.add(new Model("lm-" + cell.cliName() + "-train", lm.trainingGraph(6, 0), dims(lm.trainingGraph(6, 0), 6, 2)));
            out.add(new Model("lm-" + cell.cliName() + "-logits", lm.logitsGraph(), dims(lm.logitsGraph(), 6, 2)));
        }
        return out;
    }

    /** T and B bound, any other symbol to the batch. */
    private static Map<String, Integer> dims(Graph g, int steps, int batch) {
        Map<String, Integer> d = new HashMap<>();
        for (Value p : g.params()) {
            for (Dim dim : g.source(p).type().shape().dims()) {
                if (dim instanceof Dim.Sym s) {
                    d.putIfAbsent(s.name(), s.name().equals("T") ? steps : batch);
                }
            }
        }
        return d;
    }
}
