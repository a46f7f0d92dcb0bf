package dev.spool.runtime.internal;

import dev.spool.graph.Tensor;
import dev.spool.runtime.internal.cpu.SecondCore;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Which runs are split by rows: many rows always, from 32 rows when the weights fit a core's L2 cache. */
class RowSplitRuleTest {
    private static final long MB = 1 << 20;
    private static final RowSplit SPLIT = new RowSplit("B", Map.of("x", 1), Map.of("y", 1));

    /** An input x of `rows` rows and a weight w of `weightBytes` bytes (F32). */
    private static Map<String, Tensor> feeds(int rows, long weightBytes) {
        return Map.of("x", Tensor.zeros(dev.spool.graph.DType.F32, 35, rows, 28), "w", Tensor.zeros(dev.spool.graph.DType.F32, (int) (weightBytes / 4)));
    }

    private static boolean splits(int rows, long weightBytes, long l2) {
        return SPLIT.worthSplitting(Map.of("B", rows), feeds(rows, weightBytes), l2);
    }

    @Test
    void manyRowsSplitWhateverTheWeights() {
        assumeTrue(RowSplit.ENABLED && SecondCore.ENABLED, "splitting is off (one core, or -Dspool.rowSplit=false)");
        assertTrue(splits(256, 16 * MB, 0));
        assertTrue(splits(1024, 64 * MB, 2 * MB));
    }

    @Test
    void fewRowsSplitOnlyWhenTheWeightsFitThreeQuartersOfL2() {
        assumeTrue(RowSplit.ENABLED && SecondCore.ENABLED, "splitting is off (one core, or -Dspool.rowSplit=false)");
        assertTrue(splits(32, MB + MB / 4, 2 * MB), "an LSTM H256's 1.2 MB in 2 MB of L2");
        assertFalse(splits(32, 1 * MB, 1 * MB), "1 MB in 1 MB of L2");
        assertFalse(splits(64, 16 * MB, 2 * MB), "an LSTM H1024's 16 MB");
        assertFalse(splits(32, MB, 0), "L2 unknown");
        assertFalse(splits(31, 64 << 10, 2 * MB), "fewer than 32 rows");
    }

    @Test
    void theRowsThemselvesDoNotCountAsWeights() {
        assumeTrue(RowSplit.ENABLED && SecondCore.ENABLED, "splitting is off (one core, or -Dspool.rowSplit=false)");
        // x alone is 35 × 200 × 28 floats, 784 KB: more than 3/4 of a 1 MB L2, but it is split, not read whole.
        assertTrue(SPLIT.worthSplitting(Map.of("B", 200), Map.of("x", Tensor.zeros(dev.spool.graph.DType.F32, 35, 200, 28)), MB));
    }
}
