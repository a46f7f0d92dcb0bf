package dev.spool.backend.cpu.reference;

import dev.spool.graph.internal.Node;
import dev.spool.graph.Shape;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.Primitive;

/** Reference semantics of the matrix product ({@link MatMulKernel}: batched, broadcasting, in double). */
enum MatMulReference implements ReferenceRule {
    MATMUL {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var mm = (MatMul) op;
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = MatMulKernel.matmul(s[in[0]], s[in[1]], mm.transA(), mm.transB(), shape.sizes(d));
        }
    }
}
