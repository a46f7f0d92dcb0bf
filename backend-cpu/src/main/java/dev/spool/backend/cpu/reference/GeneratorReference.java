package dev.spool.backend.cpu.reference;

import dev.spool.graph.internal.Node;
import dev.spool.graph.Shape;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Iota;
import dev.spool.ops.internal.Primitive;

/** Reference semantics of fill and iota: a fresh tensor of the output's shape under the run's dims. */
enum GeneratorReference implements ReferenceRule {
    FILL {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var f = (Fill) op;
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = ElementwiseKernels.fill(f.value(), f.dtype(), shape.sizes(d));
        }
    },
    IOTA {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var iota = (Iota) op;
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = ElementwiseKernels.iota(iota.dtype(), shape.sizes(d), iota.axis());
        }
    }
}
