package dev.spool.backend.cpu.reference;

import dev.spool.graph.internal.Node;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Fused;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Unary;

/**
 * Reference semantics of the elementwise ops ({@link ElementwiseKernels}: numpy broadcasting,
 * results rounded to the output dtype on store) and of a fused group, which runs its body as a
 * program of its own.
 */
enum ElementwiseReference implements ReferenceRule {
    UNARY {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var fn = ((Unary) op).fn();
            return (s, d) -> s[out[0]] = ElementwiseKernels.unary(fn, s[in[0]]);
        }
    },
    BINARY {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var fn = ((Binary) op).fn();
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = ElementwiseKernels.binary(fn, s[in[0]], s[in[1]], shape.sizes(d));
        }
    },
    COMPARE {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var fn = ((Compare) op).fn();
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = ElementwiseKernels.compare(fn, s[in[0]], s[in[1]], shape.sizes(d));
        }
    },
    WHERE {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = ElementwiseKernels.where(s[in[0]], s[in[1]], s[in[2]], shape.sizes(d));
        }
    },
    CAST {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var to = ((Cast) op).to();
            return (s, d) -> s[out[0]] = ElementwiseKernels.cast(s[in[0]], to);
        }
    },
    /** The group's body, prepared once as a program of its own and run on the operands. */
    FUSED {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            ReferenceProgram group = new ReferenceProgram(((Fused) op).body());
            return (s, d) -> {
                Tensor[] r = group.execute(ReferenceProgram.operands(s, in), d);
                for (int i = 0; i < out.length; i++) {
                    s[out[i]] = r[i];
                }
            };
        }
    }
}
