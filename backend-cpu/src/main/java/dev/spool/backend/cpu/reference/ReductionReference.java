package dev.spool.backend.cpu.reference;

import dev.spool.graph.internal.Node;
import dev.spool.graph.Shape;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Reduce;

/** Reference semantics of the reductions ({@link ReductionKernels}), axes normalised once. */
enum ReductionReference implements ReferenceRule {
    REDUCE {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var r = (Reduce) op;
            var axes = r.axesFor(n.inputs().get(0).type().rank());
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = ReductionKernels.reduce(r.fn(), s[in[0]], axes, shape.sizes(d));
        }
    }
}
