package dev.spool.compiler.lower;

import dev.spool.graph.internal.Node;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Reduce;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

import java.util.List;

/** Lowering of the reductions: one {@link Instr.Reduce} over the operand's view, axes normalised. */
enum ReductionLowering implements LoweringRule {
    REDUCE {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Reduce r = (Reduce) op;
            int[] axes = r.axesFor(ins.get(0).rank()).stream().mapToInt(Integer::intValue).toArray();
            cx.write(n.output(0), dst -> new Instr.Reduce(r.fn(), ins.get(0), dst, axes));
        }
    }
}
