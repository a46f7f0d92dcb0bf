package dev.spool.backend.cpu.reference;

import dev.spool.graph.internal.Node;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Softmax;

/** Reference semantics of softmax, cross-entropy and its gradient ({@link SoftmaxKernels}). */
enum SoftmaxReference implements ReferenceRule {
    SOFTMAX {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var sm = (Softmax) op;
            int axis = Math.floorMod(sm.axis(), n.outputs().get(0).shape().rank());
            return (s, d) -> s[out[0]] = SoftmaxKernels.softmax(s[in[0]], axis, sm.log());
        }
    },
    CROSS_ENTROPY {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            return (s, d) -> s[out[0]] = SoftmaxKernels.crossEntropy(s[in[0]], s[in[1]]);
        }
    },
    CROSS_ENTROPY_GRAD {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            return (s, d) -> s[out[0]] = SoftmaxKernels.crossEntropyGrad(s[in[0]], s[in[1]], s[in[2]]);
        }
    }
}
