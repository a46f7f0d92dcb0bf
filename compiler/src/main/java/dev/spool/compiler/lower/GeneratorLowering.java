package dev.spool.compiler.lower;

import dev.spool.graph.Node;
import dev.spool.graph.Value;
import dev.spool.ops.Fill;
import dev.spool.ops.Iota;
import dev.spool.ops.Primitive;
import dev.spool.program.Instr;
import dev.spool.program.View;

import java.util.List;

/** Lowering of the ops that make values from nothing: fill and iota, one instruction each. */
enum GeneratorLowering implements LoweringRule {
    FILL {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            View dst = cx.destination(out);
            cx.emit(new Instr.Fill(dst, ((Fill) op).value()));
            cx.place(out, dst);
        }
    },
    IOTA {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            View dst = cx.destination(out);
            cx.emit(new Instr.Iota(dst, ((Iota) op).axis()));
            cx.place(out, dst);
        }
    }
}
