package dev.spool.compiler.lower;

import dev.spool.graph.internal.Node;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Iota;
import dev.spool.ops.internal.Primitive;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

import java.util.List;

/** Lowering of the ops that make values from nothing: fill and iota, one instruction each. */
enum GeneratorLowering implements LoweringRule {
    FILL {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            cx.write(n.output(0), dst -> new Instr.Fill(dst, ((Fill) op).value()));
        }
    },
    IOTA {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            cx.write(n.output(0), dst -> new Instr.Iota(dst, ((Iota) op).axis()));
        }
    }
}
