package dev.spool.nn;

import dev.spool.graph.DType;
import dev.spool.graph.InputException;
import dev.spool.graph.TensorType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Sizes and options of a (possibly deep, bidirectional) recurrent layer, and its PyTorch
 * {@code state_dict}: {@code weight_ih_l{k}[_reverse]} etc., or {@code projection_{1,2}.*} for MyRNN.
 *
 * <pre>{@code
 * var cfg = new RecurrentConfig(CellType.LSTM, 28, 256, 2, false, false, DType.F32);
 * cfg.weightTypes().get("weight_hh_l1")   // F32(1024, 256)
 * }</pre>
 */
public record RecurrentConfig(CellType cell, int inputSize, int hiddenSize, int layers, boolean bidirectional,
                              boolean batchFirst, DType dtype) {

    public RecurrentConfig {
        if (layers < 1) {
            throw new IllegalArgumentException("layers must be >= 1, got " + layers);
        }
        if (cell == CellType.MYRNN && (layers != 1 || bidirectional)) {
            throw new IllegalArgumentException("myrnn is a single unidirectional layer; drop --layers/--bidirectional");
        }
    }

    /** 2 for a bidirectional layer, else 1: {@code cfg.directions() * cfg.hiddenSize()} is the output width. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** The expected weights in PyTorch's order, with their types: {@code cfg.weightTypes().keySet()}. */
    public Map<String, TensorType> weightTypes() {
        Map<String, TensorType> m = new LinkedHashMap<>();
        int h = hiddenSize;
        if (cell == CellType.MYRNN) {
            m.put("projection_1.weight", TensorType.of(dtype, h, inputSize));
            m.put("projection_1.bias", TensorType.of(dtype, h));
            m.put("projection_2.weight", TensorType.of(dtype, h, h));
            m.put("projection_2.bias", TensorType.of(dtype, h));
            return m;
        }
        int g = cell.gates() * h;
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? inputSize : h * directions();
            for (int d = 0; d < directions(); d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                m.put("weight_ih" + sfx, TensorType.of(dtype, g, in));
                m.put("weight_hh" + sfx, TensorType.of(dtype, g, h));
                m.put("bias_ih" + sfx, TensorType.of(dtype, g));
                m.put("bias_hh" + sfx, TensorType.of(dtype, g));
            }
        }
        return m;
    }

    /**
     * Infers input and hidden sizes from a {@code state_dict} and checks that it is exactly the
     * one this cell, depth and directionality need.
     *
     * <pre>{@code RecurrentConfig.fromWeights(CellType.GRU, types, 1, false, false, DType.F32).hiddenSize()}</pre>
     *
     * @throws InputException naming the first missing, unexpected, mistyped or misshapen weight
     */
    public static RecurrentConfig fromWeights(CellType cell, Map<String, TensorType> weights, int layers,
                                              boolean bidirectional, boolean batchFirst, DType dtype) {
        String ih = cell == CellType.MYRNN ? "projection_1.weight" : "weight_ih_l0";
        String hh = cell == CellType.MYRNN ? "projection_2.weight" : "weight_hh_l0";
        for (String n : List.of(ih, hh)) {
            if (!weights.containsKey(n)) {
                throw new InputException("missing weight '" + n + "' for cell " + cell.cliName() + "; the file has "
                        + new TreeSet<>(weights.keySet()));
            }
            if (weights.get(n).rank() != 2) {
                throw new InputException("weight '" + n + "': expected a matrix, got " + weights.get(n));
            }
        }
        int hidden = weights.get(hh).shape().dim(1).size();
        int input = weights.get(ih).shape().dim(1).size();
        RecurrentConfig cfg = new RecurrentConfig(cell, input, hidden, layers, bidirectional, batchFirst, dtype);
        Map<String, TensorType> want = cfg.weightTypes();
        // Names first: an unexpected or missing name says more about --layers/--bidirectional than a shape does.
        List<String> extra = new ArrayList<>();
        for (String n : weights.keySet()) {
            if (!want.containsKey(n)) {
                extra.add(n);
            }
        }
        if (!extra.isEmpty()) {
            throw new InputException("unexpected weight '" + extra.get(0) + "'" + (extra.size() > 1 ? " (and " + (extra.size() - 1) + " more)" : "")
                    + " for " + cfg.describe() + cfg.layoutHint());
        }
        for (var e : want.entrySet()) {
            if (!weights.containsKey(e.getKey())) {
                throw new InputException("missing weight '" + e.getKey() + "' (expected " + e.getValue() + ")" + cfg.layoutHint());
            }
        }
        for (var e : want.entrySet()) {
            TensorType got = weights.get(e.getKey());
            if (got.dtype() != dtype) {
                throw new InputException("weight '" + e.getKey() + "': expected " + dtype + " (--dtype " + dtype.cliName()
                        + "), got " + got.dtype() + "; pass --dtype " + got.dtype().cliName() + " or convert the weights");
            }
            if (!got.shape().equals(e.getValue().shape())) {
                throw new InputException("weight '" + e.getKey() + "': expected shape " + e.getValue().shape() + " for "
                        + cfg.describe() + ", got " + got.shape());
            }
        }
        return cfg;
    }

    private String layoutHint() {
        return cell == CellType.MYRNN ? "" : "; check --layers " + layers + (bidirectional ? " --bidirectional" : " (no --bidirectional)")
                + " against the weights";
    }

    /** A one-line description: {@code cfg.describe()} is e.g. {@code "lstm, 2 layers, bidirectional, input 28, hidden 256"}. */
    public String describe() {
        return cell.cliName() + ", " + layers + " layer" + (layers > 1 ? "s" : "") + (bidirectional ? ", bidirectional" : "")
                + ", input " + inputSize + ", hidden " + hiddenSize;
    }
}
