package dev.spool.compiler.lower;

import dev.spool.graph.Node;
import dev.spool.graph.Value;
import dev.spool.ops.Primitive;
import dev.spool.program.Instr;
import dev.spool.program.View;

import java.util.List;

/**
 * Lowering of the ops that address rows by integer index: gather, scatter-add and one-hot. Each
 * becomes one instruction over 2-D contiguous views (rows by row size), indices flattened to 1-D.
 */
enum GatherScatterLowering implements LoweringRule {
    /** {@code out[i, :] = table[idx[i], :]}. */
    GATHER {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            View table = cx.contiguous(ins.get(0), n.inputs().get(0).dtype());
            int rows = table.dim(0);
            View dst = cx.contiguousDestination(out);
            int idx = ins.get(1).size();
            cx.emit(new Instr.Gather(table.reshape(new int[] {rows, table.size() / Math.max(1, rows)}), cx.flat(ins.get(1), n.inputs().get(1).dtype()),
                    dst.reshape(new int[] {idx, dst.size() / Math.max(1, idx)})));
            cx.place(out, dst);
        }
    },
    /** {@code out[idx[i], :] += upd[i, :]} into zeros. */
    SCATTER_ADD {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            View idx = cx.flat(ins.get(0), n.inputs().get(0).dtype());
            View upd = cx.contiguous(ins.get(1), n.inputs().get(1).dtype());
            View dst = cx.contiguousDestination(out);
            int rows = out.shape().sizes()[0];
            cx.emit(new Instr.ScatterAdd(idx, upd.reshape(new int[] {idx.size(), upd.size() / Math.max(1, idx.size())}),
                    dst.reshape(new int[] {rows, dst.size() / Math.max(1, rows)})));
            cx.place(out, dst);
        }
    },
    ONE_HOT {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            int[] outShape = out.shape().sizes();
            View idx = cx.flat(ins.get(0), n.inputs().get(0).dtype());
            View dst = cx.contiguousDestination(out);
            cx.emit(new Instr.OneHot(idx, dst.reshape(new int[] {idx.size(), outShape[outShape.length - 1]})));
            cx.place(out, dst);
        }
    }
}
