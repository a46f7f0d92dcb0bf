package dev.spool.nn;

import java.util.Arrays;
import java.util.Locale;

/**
 * The recurrent cells Spool builds, with their command-line names and PyTorch gate counts.
 *
 * <pre>{@code CellType.parse("lstm").gates() == 4}</pre>
 */
public enum CellType {
    RNN("rnn", 1), RNN_RELU("rnn-relu", 1), GRU("gru", 3), LSTM("lstm", 4), MYRNN("myrnn", 1);

    private final String cliName;
    private final int gates;

    CellType(String cliName, int gates) {
        this.cliName = cliName;
        this.gates = gates;
    }

    /** The name on the command line: {@code CellType.RNN_RELU.cliName()} is {@code "rnn-relu"}. */
    public String cliName() {
        return cliName;
    }

    /** Rows of {@code weight_ih} per hidden unit (r,z,n for GRU; i,f,g,o for LSTM): {@code CellType.GRU.gates() == 3}. */
    public int gates() {
        return gates;
    }

    /** Whether the cell carries {@code c} besides {@code h}: {@code CellType.LSTM.hasCellState()}. */
    public boolean hasCellState() {
        return this == LSTM;
    }

    /**
     * The cell of a command-line name, any case: {@code CellType.parse("GRU") == CellType.GRU}.
     *
     * @throws IllegalArgumentException listing the names for an unknown one
     */
    public static CellType parse(String s) {
        for (CellType c : values()) {
            if (c.cliName.equals(s.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown cell '" + s + "'; choose one of "
                + Arrays.stream(values()).map(CellType::cliName).toList());
    }
}
