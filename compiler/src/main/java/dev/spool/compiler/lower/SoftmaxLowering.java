package dev.spool.compiler.lower;

import dev.spool.graph.internal.Node;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Softmax;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

import java.util.List;

/**
 * Lowering of softmax, cross-entropy and its gradient: one instruction each. Cross-entropy reads
 * its logits as contiguous (rows, classes) and its targets flat; the gradient is lowered without
 * the loss, which {@link PairCrossEntropy} later takes from a matching cross-entropy.
 */
enum SoftmaxLowering implements LoweringRule {
    SOFTMAX {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Softmax s = (Softmax) op;
            int axis = Math.floorMod(s.axis(), n.output(0).shape().rank());
            cx.write(n.output(0), dst -> new Instr.Softmax(ins.get(0), dst, axis, s.log()));
        }
    },
    CROSS_ENTROPY {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            View logits = rows(n, ins, cx);
            cx.write(n.output(0), dst -> new Instr.CrossEntropy(logits, targets(n, ins, cx), dst));
        }
    },
    CROSS_ENTROPY_GRAD {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            View logits = rows(n, ins, cx);
            cx.writeContiguous(n.output(0), dst -> new Instr.CrossEntropyGrad(logits, targets(n, ins, cx), ins.get(2), dst.reshape(logits.shape()), null));
        }
    };

    /** The logits as contiguous (rows, classes). */
    private static View rows(Node n, List<View> ins, LoweringContext cx) {
        View logits = cx.contiguous(ins.get(0), n.inputs().get(0).dtype());
        int classes = logits.dim(logits.rank() - 1);
        return logits.reshape(new int[] {logits.size() / Math.max(1, classes), classes});
    }

    /** The targets, flat. */
    private static View targets(Node n, List<View> ins, LoweringContext cx) {
        return cx.flat(ins.get(1), n.inputs().get(1).dtype());
    }
}
