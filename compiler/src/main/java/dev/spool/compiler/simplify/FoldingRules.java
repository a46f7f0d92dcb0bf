package dev.spool.compiler.simplify;

import dev.spool.ops.internal.OpCode;

import java.util.ArrayList;
import java.util.List;

/**
 * Constant folding's rules for every primitive op, one exhaustive switch: a new {@link OpCode}
 * does not compile until this stage says how it folds (most ops: not at all). The elementwise ops
 * fold through their scalar semantics ({@link ElementwiseFolding}), the re-addressing layout ops
 * move a fill through ({@link LayoutFolding}).
 */
public final class FoldingRules {
    /** The largest result folded into a constant. */
    public static final int MAX_ELEMENTS = 64;

    /** Every op's folding rules, in op-code order. */
    public static final List<Rule> RULES = rules();

    private FoldingRules() {
    }

    static List<Rule> of(OpCode code) {
        return switch (code) {
            case UNARY -> ElementwiseFolding.UNARY.rules(code);
            case BINARY -> ElementwiseFolding.BINARY.rules(code);
            case COMPARE -> ElementwiseFolding.COMPARE.rules(code);
            case WHERE -> ElementwiseFolding.WHERE.rules(code);
            case CAST -> ElementwiseFolding.CAST.rules(code);
            case TRANSPOSE, RESHAPE, SLICE, INDEX -> LayoutFolding.FILL_MOVE.rules(code);
            // A fused group is formed after simplification; the rest compute too much to fold.
            case FUSED, FILL, IOTA, CONCAT, STACK, PAD, CHECK_LENGTHS, GATHER, SCATTER_ADD, ONE_HOT, REDUCE, MATMUL,
                    SOFTMAX, CROSS_ENTROPY, CROSS_ENTROPY_GRAD -> List.of();
        };
    }

    private static List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        for (OpCode c : OpCode.values()) {
            out.addAll(of(c));
        }
        return List.copyOf(out);
    }
}
