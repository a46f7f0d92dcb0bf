package dev.spool.backend.cpu.reference;

import dev.spool.graph.internal.Node;
import dev.spool.graph.Shape;
import dev.spool.ops.internal.OneHot;
import dev.spool.ops.internal.Primitive;

/** Reference semantics of the ops that address rows by integer index ({@link LayoutKernels}). */
enum GatherScatterReference implements ReferenceRule {
    GATHER {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = LayoutKernels.gather(s[in[0]], s[in[1]], shape.sizes(d));
        }
    },
    SCATTER_ADD {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = LayoutKernels.scatterAdd(s[in[0]], s[in[1]], shape.sizes(d));
        }
    },
    ONE_HOT {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var oh = (OneHot) op;
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = LayoutKernels.oneHot(s[in[0]], oh.depth(), oh.dtype(), shape.sizes(d));
        }
    }
}
