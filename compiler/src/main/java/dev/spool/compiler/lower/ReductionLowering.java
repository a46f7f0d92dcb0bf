package dev.spool.compiler.lower;

import dev.spool.graph.Node;
import dev.spool.graph.Value;
import dev.spool.ops.Primitive;
import dev.spool.ops.Reduce;
import dev.spool.program.Instr;
import dev.spool.program.View;

import java.util.List;

/** Lowering of the reductions: one {@link Instr.Reduce} over the operand's view, axes normalised. */
enum ReductionLowering implements LoweringRule {
    REDUCE {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Reduce r = (Reduce) op;
            Value out = n.output(0);
            View dst = cx.destination(out);
            int[] axes = r.axesFor(ins.get(0).rank()).stream().mapToInt(Integer::intValue).toArray();
            cx.emit(new Instr.Reduce(r.fn(), ins.get(0), dst, axes));
            cx.place(out, dst);
        }
    }
}
