package dev.spool.compiler.simplify;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Unary;

import java.util.List;

/**
 * Evaluates an elementwise op on small tensors with the ops' own scalar semantics
 * ({@code UnaryFn.apply}, {@code BinaryFn.apply}, {@code CompareFn.apply}; integers exactly in
 * longs; results rounded to the output dtype on store), broadcasting operands numpy-style: the
 * reference kernels' arithmetic, applied at compile time by constant folding.
 */
final class Eval {
    private Eval() {
    }

    /** op(ins) as a tensor of {@code dtype} and {@code shape}, or null where it is undefined (integer division by zero). */
    static Tensor elementwise(Primitive op, List<Tensor> ins, DType dtype, int[] shape) {
        Tensor out = Tensor.zeros(dtype, shape);
        try {
            for (int i = 0; i < out.size(); i++) {
                int k = i;
                int[] at = ins.stream().mapToInt(t -> source(k, shape, t.shape())).toArray();
                store(op, ins, at, out, i);
            }
        } catch (ArithmeticException e) {
            return null; // left for the kernel to report when it runs
        }
        return out;
    }

    private static void store(Primitive op, List<Tensor> in, int[] at, Tensor out, int i) {
        Tensor a = in.get(0);
        boolean ints = a.dtype().isInteger();
        switch (op.code()) {
            case UNARY -> {
                Unary u = (Unary) op;
                if (ints) {
                    out.setLong(i, u.fn().applyLong(a.getLong(at[0])));
                } else {
                    out.setDouble(i, u.fn().apply(a.getDouble(at[0])));
                }
            }
            case BINARY -> {
                Binary bin = (Binary) op;
                Tensor b = in.get(1);
                if (ints) {
                    out.setLong(i, bin.fn().applyLong(a.getLong(at[0]), b.getLong(at[1])));
                } else {
                    out.setDouble(i, bin.fn().apply(a.getDouble(at[0]), b.getDouble(at[1])));
                }
            }
            case COMPARE -> {
                Compare c = (Compare) op;
                Tensor b = in.get(1);
                boolean r = ints ? c.fn().apply(Long.compare(a.getLong(at[0]), b.getLong(at[1])), 0)
                        : c.fn().apply(a.getDouble(at[0]), b.getDouble(at[1]));
                out.setDouble(i, r ? 1 : 0);
            }
            case WHERE -> {
                boolean pick = a.getDouble(at[0]) != 0;
                Tensor src = pick ? in.get(1) : in.get(2);
                int j = pick ? at[1] : at[2];
                if (src.dtype().isInteger()) {
                    out.setLong(i, src.getLong(j));
                } else {
                    out.setDouble(i, src.getDouble(j));
                }
            }
            case CAST -> {
                DType to = ((Cast) op).to();
                if (ints && (to.isInteger() || to == DType.BOOL)) {
                    long v = a.getLong(at[0]);
                    out.setLong(i, to == DType.BOOL ? (v != 0 ? 1 : 0) : v);
                } else {
                    out.setDouble(i, a.getDouble(at[0]));
                }
            }
            default -> throw new IllegalArgumentException("not an elementwise op: " + op.name());
        }
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
