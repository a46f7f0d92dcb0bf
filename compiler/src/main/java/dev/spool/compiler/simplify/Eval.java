package dev.spool.compiler.simplify;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.ops.internal.Primitive;

import java.util.List;

/**
 * Evaluates an elementwise op on small tensors at compile time, broadcasting operands
 * numpy-style; each element is the op's folding rule's ({@link ElementwiseFolding#store}).
 */
final class Eval {
    private Eval() {
    }

    /** op(ins) as a tensor of {@code dtype} and {@code shape}, or null where it is undefined (integer division by zero). */
    static Tensor elementwise(ElementwiseFolding rule, Primitive op, List<Tensor> ins, DType dtype, int[] shape) {
        Tensor out = Tensor.zeros(dtype, shape);
        try {
            for (int i = 0; i < out.size(); i++) {
                int k = i;
                int[] at = ins.stream().mapToInt(t -> source(k, shape, t.shape())).toArray();
                rule.store(op, ins, at, out, i);
            }
        } catch (ArithmeticException e) {
            return null; // left for the kernel to report when it runs
        }
        return out;
    }

    /** The flat index into an operand of shape {@code in} that broadcasts to flat index i of {@code out}. */
    private static int source(int i, int[] out, int[] in) {
        int index = 0;
        int stride = 1;
        int rem = i;
        for (int axis = out.length - 1; axis >= 0; axis--) {
            int coord = rem % out[axis];
            rem /= out[axis];
            int inAxis = axis - (out.length - in.length);
            if (inAxis >= 0) {
                index += (in[inAxis] == 1 ? 0 : coord) * stride;
                stride *= in[inAxis];
            }
        }
        return index;
    }
}
