package dev.spool.compiler.lower;

import dev.spool.graph.internal.Node;
import dev.spool.ops.internal.Primitive;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

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
            View table = cx.contiguous(ins.get(0), n.inputs().get(0).dtype());
            int idx = ins.get(1).size();
            cx.writeContiguous(n.output(0), dst -> new Instr.Gather(rowsOf(table, table.dim(0)), cx.flat(ins.get(1), n.inputs().get(1).dtype()),
                    rowsOf(dst, idx)));
        }
    },
    /** {@code out[idx[i], :] += upd[i, :]} into zeros. */
    SCATTER_ADD {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            View idx = cx.flat(ins.get(0), n.inputs().get(0).dtype());
            View upd = cx.contiguous(ins.get(1), n.inputs().get(1).dtype());
            int rows = n.output(0).shape().sizes()[0];
            cx.writeContiguous(n.output(0), dst -> new Instr.ScatterAdd(idx, rowsOf(upd, idx.size()), rowsOf(dst, rows)));
        }
    },
    ONE_HOT {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            View idx = cx.flat(ins.get(0), n.inputs().get(0).dtype());
            int[] shape = n.output(0).shape().sizes();
            cx.writeContiguous(n.output(0), dst -> new Instr.OneHot(idx, dst.reshape(new int[] {idx.size(), shape[shape.length - 1]})));
        }
    };

    /** A contiguous view as {@code rows} rows of equal size. */
    private static View rowsOf(View x, int rows) {
        return x.reshape(new int[] {rows, x.size() / Math.max(1, rows)});
    }
}
