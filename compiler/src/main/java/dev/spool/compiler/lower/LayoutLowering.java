package dev.spool.compiler.lower;

import dev.spool.graph.internal.Node;
import dev.spool.graph.Value;
import dev.spool.ops.internal.CheckLengths;
import dev.spool.ops.internal.Concat;
import dev.spool.ops.internal.Index;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Slice;
import dev.spool.ops.internal.Stack;
import dev.spool.ops.internal.Transpose;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

import java.util.List;

/**
 * Lowering of the layout ops. Those that only re-address elements (transpose, slice, index,
 * reshape of contiguous data) become views of their operand, not copies; concat, stack and pad copy
 * their parts into slices of one destination; a lengths check passes its operand through.
 */
enum LayoutLowering implements LoweringRule {
    /** A permuted view: strides swap, nothing moves. */
    TRANSPOSE {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            cx.place(n.output(0), ins.get(0).transpose(((Transpose) op).perm().stream().mapToInt(Integer::intValue).toArray()));
        }
    },
    /** A view with the new shape, of a contiguous copy when the operand is strided. */
    RESHAPE {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            cx.place(out, cx.contiguous(ins.get(0), out.dtype()).reshape(out.shape().sizes()));
        }
    },
    SLICE {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Slice s = (Slice) op;
            cx.place(n.output(0), ins.get(0).slice(Math.floorMod(s.axis(), ins.get(0).rank()), s.start(), s.end()));
        }
    },
    INDEX {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Index ix = (Index) op;
            cx.place(n.output(0), ins.get(0).index(Math.floorMod(ix.axis(), ins.get(0).rank()), ix.index()));
        }
    },
    /** One copy per part into its slice of the destination. */
    CONCAT {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            int axis = Math.floorMod(((Concat) op).axis(), out.shape().rank());
            View dst = cx.destination(out);
            int at = 0;
            for (View part : ins) {
                cx.emit(new Instr.Copy(part, dst.slice(axis, at, at + part.dim(axis))));
                at += part.dim(axis);
            }
            cx.place(out, dst);
        }
    },
    /** One copy per operand into its index of the destination. */
    STACK {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Value out = n.output(0);
            int axis = Math.floorMod(((Stack) op).axis(), out.shape().rank());
            View dst = cx.destination(out);
            for (int i = 0; i < ins.size(); i++) {
                cx.emit(new Instr.Copy(ins.get(i), dst.index(axis, i)));
            }
            cx.place(out, dst);
        }
    },
    /** A zero fill, then the operand copied into its slice. */
    PAD {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            Pad pad = (Pad) op;
            Value out = n.output(0);
            int axis = Math.floorMod(pad.axis(), out.shape().rank());
            View dst = cx.destination(out);
            cx.emit(new Instr.Fill(dst, 0));
            cx.emit(new Instr.Copy(ins.get(0), dst.slice(axis, pad.before(), pad.before() + ins.get(0).dim(axis))));
            cx.place(out, dst);
        }
    },
    /** A check of the lengths against the scan's length; the lengths pass through as they are. */
    CHECK_LENGTHS {
        @Override
        public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
            CheckLengths check = (CheckLengths) op;
            Value out = n.output(0);
            cx.emit(new Instr.CheckLengths(cx.flat(ins.get(0), out.dtype()), check.steps().size(), check.label()));
            cx.place(out, ins.get(0));
        }
    }
}
