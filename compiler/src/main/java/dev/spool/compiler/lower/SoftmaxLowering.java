package dev.spool.compiler.lower;

import dev.spool.graph.Node;
import dev.spool.graph.Value;
import dev.spool.ops.Primitive;
import dev.spool.ops.Softmax;
import dev.spool.program.Instr;
import dev.spool.program.View;

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
            Value out = n.output(0);
            View dst = cx.destination(out);
            cx.emit(new Instr.Softmax(ins.get(0), dst, Math.floorMod(s.axis(), out.shape().rank()), s.log()));
            cx.place(out, dst);
        }
    },
    CROSS_ENTROPY {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            View logits = rows(n, ins, cx);
            View dst = cx.destination(out);
            cx.emit(new Instr.CrossEntropy(logits, cx.flat(ins.get(1), n.inputs().get(1).dtype()), dst));
            cx.place(out, dst);
        }
    },
    CROSS_ENTROPY_GRAD {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            View logits = rows(n, ins, cx);
            View dst = cx.contiguousDestination(out);
            cx.emit(new Instr.CrossEntropyGrad(logits, cx.flat(ins.get(1), n.inputs().get(1).dtype()), ins.get(2), dst.reshape(logits.shape()), null));
            cx.place(out, dst);
        }
    };

    /** The logits as contiguous (rows, classes). */
    private static View rows(Node n, List<View> ins, LoweringContext cx) {
        View logits = cx.contiguous(ins.get(0), n.inputs().get(0).dtype());
        int classes = logits.dim(logits.rank() - 1);
        return logits.reshape(new int[] {logits.size() / Math.max(1, classes), classes});
    }
}
