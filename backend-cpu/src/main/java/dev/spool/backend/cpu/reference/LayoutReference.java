package dev.spool.backend.cpu.reference;

import dev.spool.graph.internal.Node;
import dev.spool.graph.Shape;
import dev.spool.ops.internal.CheckLengths;
import dev.spool.ops.internal.Concat;
import dev.spool.ops.internal.Index;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Slice;
import dev.spool.ops.internal.Stack;
import dev.spool.ops.internal.Transpose;

/**
 * Reference semantics of the layout ops ({@link LayoutKernels}): each makes a fresh contiguous
 * tensor (slice and index a view of the operand), axes normalised once at preparation.
 */
enum LayoutReference implements ReferenceRule {
    TRANSPOSE {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var perm = ((Transpose) op).perm();
            return (s, d) -> s[out[0]] = LayoutKernels.transpose(s[in[0]], perm);
        }
    },
    RESHAPE {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            Shape shape = n.outputs().get(0).shape();
            return (s, d) -> s[out[0]] = s[in[0]].reshape(shape.sizes(d));
        }
    },
    SLICE {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var sl = (Slice) op;
            int axis = Math.floorMod(sl.axis(), n.inputs().get(0).type().rank());
            return (s, d) -> s[out[0]] = LayoutKernels.slice(s[in[0]], axis, sl.start(), sl.end());
        }
    },
    INDEX {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var ix = (Index) op;
            int axis = Math.floorMod(ix.axis(), n.inputs().get(0).type().rank());
            return (s, d) -> s[out[0]] = LayoutKernels.index(s[in[0]], axis, ix.index());
        }
    },
    CONCAT {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            Shape shape = n.outputs().get(0).shape();
            int axis = Math.floorMod(((Concat) op).axis(), shape.rank());
            return (s, d) -> s[out[0]] = LayoutKernels.concat(ReferenceProgram.operandList(s, in), axis);
        }
    },
    STACK {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            Shape shape = n.outputs().get(0).shape();
            int axis = Math.floorMod(((Stack) op).axis(), shape.rank());
            return (s, d) -> s[out[0]] = LayoutKernels.stack(ReferenceProgram.operandList(s, in), axis, shape.sizes(d));
        }
    },
    PAD {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var pad = (Pad) op;
            Shape shape = n.outputs().get(0).shape();
            int axis = Math.floorMod(pad.axis(), shape.rank());
            return (s, d) -> s[out[0]] = LayoutKernels.pad(s[in[0]], axis, pad.before(), shape.sizes(d));
        }
    },
    /** The lengths checked against the scan's length ({@link ScanLoop#checkLengths}), then passed through. */
    CHECK_LENGTHS {
        @Override
        public ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out) {
            var check = (CheckLengths) op;
            return (s, d) -> {
                ScanLoop.checkLengths(s[in[0]], Shape.of(check.steps()).sizes(d)[0], check.label());
                s[out[0]] = s[in[0]];
            };
        }
    }
}
