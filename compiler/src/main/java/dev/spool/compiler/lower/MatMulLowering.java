package dev.spool.compiler.lower;

import dev.spool.graph.DType;
import dev.spool.graph.internal.Node;
import dev.spool.graph.Value;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.Primitive;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

import java.util.Arrays;
import java.util.List;

/**
 * Lowering of matrix products to GEMMs on strided views: a transposed or column-major operand
 * flips a flag, never a copy. (..., M, K) x (K, N) folds the batch into M (one GEMM for all time
 * steps); a batch whose operands collapse onto one stride is one strided-batched GEMM; anything
 * else is one GEMM per batch position. Every GEMM has beta = 0; {@link GemmBiasEpilogue} folds a
 * following bias add in later.
 */
enum MatMulLowering implements LoweringRule {
    GEMM;

    @Override
    public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
        MatMul mm = (MatMul) op;
        Value out = n.output(0);
        DType dt = out.dtype();
        View a = ins.get(0);
        View b = ins.get(1);
        View dst = cx.destination(out);
        if (!dst.isContiguous() && dst.strides()[dst.rank() - 1] != 1) {
            dst = cx.contiguousDestination(out);
        }
        int ra = a.rank();
        int rb = b.rank();
        int m = a.dim(ra - (mm.transA() ? 1 : 2));
        int k = a.dim(ra - (mm.transA() ? 2 : 1));
        int nn = b.dim(rb - (mm.transB() ? 2 : 1));
        View a2 = rb == 2 && !mm.transA() ? foldRows(a) : null;
        View c2 = a2 != null ? foldRows(dst) : null;
        if (a2 != null && c2 != null) {
            // (..., M, K) x (K, N): the batch folds into M, one GEMM (e.g. all time steps at once).
            gemm(cx, dt, a2, b, c2, false, mm.transB(), a2.dim(0), nn, k);
        } else if (!batchedGemm(cx, dt, a, b, dst, mm, m, nn, k)) {
            int[] batch = Arrays.copyOf(dst.shape(), dst.rank() - 2);
            int count = 1;
            for (int s : batch) {
                count *= s;
            }
            int[] pos = new int[batch.length];
            for (int i = 0; i < count; i++) {
                gemm(cx, dt, matrixAt(a, pos), matrixAt(b, pos), matrixAt(dst, pos), mm.transA(), mm.transB(), m, nn, k);
                for (int ax = batch.length - 1; ax >= 0; ax--) {
                    if (++pos[ax] < batch[ax]) {
                        break;
                    }
                    pos[ax] = 0;
                }
            }
        }
        cx.place(out, dst);
    }

    /**
     * (..., M, K) x (..., K, N) as one strided-batched GEMM (e.g. the input projection of a
     * batch-first sequence, whose time steps do not fold into rows), when every operand's batch
     * axes collapse onto one stride and its matrices need no copy; false otherwise. One
     * instruction whatever the batch, so the program's shape does not depend on the sizes.
     */
    private static boolean batchedGemm(LoweringContext cx, DType dt, View a, View b, View dst, MatMul mm, int m, int nn, int k) {
        int lead = dst.rank() - 2;
        if (lead < 1) {
            return false;
        }
        int[] batch = Arrays.copyOf(dst.shape(), lead);
        int count = 1;
        for (int s : batch) {
            count *= s;
        }
        if (count == 0) {
            return true;   // an empty batch computes nothing
        }
        Integer sa = batchStride(a, batch);
        Integer sb = batchStride(b, batch);
        Integer sc = batchStride(dst, batch);
        if (sa == null || sb == null || sc == null) {
            return false;
        }
        int[] zero = new int[lead];
        Operand oa = directOperand(matrixAt(a, zero), mm.transA());
        Operand ob = directOperand(matrixAt(b, zero), mm.transB());
        View c0 = rowMajorOrNull(matrixAt(dst, zero));
        if (oa == null || ob == null || c0 == null) {
            return false;
        }
        cx.emit(new Instr.Gemm(dt, oa.matrix(), ob.matrix(), c0, oa.transposed(), ob.transposed(), m, nn, k, 0, count, sa, sb, sc));
        return true;
    }

    /** The element stride between consecutive batch entries of x (0 without batch axes), or null when its batch axes do not collapse onto one. */
    private static Integer batchStride(View x, int[] batch) {
        int lead = x.rank() - 2;
        if (lead == 0) {
            return 0;
        }
        if (lead != batch.length) {
            return null;
        }
        int stride = -1;
        long expect = 0;
        for (int i = lead - 1; i >= 0; i--) {
            if (x.dim(i) != batch[i]) {
                return null;
            }
            if (batch[i] == 1) {
                continue;
            }
            if (stride < 0) {
                stride = x.strides()[i];
                expect = (long) stride * batch[i];
            } else if (x.strides()[i] != expect) {
                return null;
            } else {
                expect *= batch[i];
            }
        }
        return Math.max(stride, 0);
    }

    /** x as a BLAS operand without copying (possibly transposed), or null when it would need a copy. */
    private static Operand directOperand(View x, boolean trans) {
        View rm = rowMajorOrNull(x);
        if (rm != null) {
            return new Operand(rm, trans);
        }
        View cm = rowMajorOrNull(x.transpose(new int[] {1, 0}));
        return cm != null ? new Operand(cm, !trans) : null;
    }

    /** The 2-D matrix of a batched view at batch position pos (right-aligned, broadcasting size-1 axes). */
    private static View matrixAt(View x, int[] pos) {
        View v = x;
        int lead = x.rank() - 2;
        for (int ax = lead - 1; ax >= 0; ax--) {
            int p = pos[pos.length - lead + ax];
            v = v.index(ax, v.dim(ax) == 1 ? 0 : p);
        }
        return v;
    }

    /** x (..., R, C) as (N·R, C) when its leading axes collapse onto one row stride, else null. */
    private static View foldRows(View x) {
        int r = x.rank();
        if (x.strides()[r - 1] != 1 && x.dim(r - 1) != 1) {
            return null;
        }
        for (int i = r - 3; i >= 0; i--) {
            if (x.dim(i) != 1 && x.strides()[i] != x.strides()[i + 1] * x.dim(i + 1)) {
                return null;
            }
        }
        int rows = x.size() / Math.max(1, x.dim(r - 1));
        return new View(x.buffer(), x.offset(), new int[] {rows, x.dim(r - 1)}, new int[] {x.strides()[r - 2], 1}, x.loopStrides());
    }

    /** A GEMM operand: a row-major matrix view, read transposed or not. */
    private record Operand(View matrix, boolean transposed) {
    }

    /**
     * Emits one GEMM with β = 0 ({@link GemmBiasEpilogue} turns a following bias add into β = 1);
     * a column-major operand view is its transpose in row-major, so it flips the flag.
     */
    private static void gemm(LoweringContext cx, DType dt, View a, View b, View c, boolean ta, boolean tb, int m, int n, int k) {
        Operand oa = operand(cx, a, ta, dt);
        Operand ob = operand(cx, b, tb, dt);
        View cc = rowMajorOrNull(c);
        if (cc == null) {
            cc = cx.fresh(dt, c.shape(), "gemm-out");
        }
        cx.emit(new Instr.Gemm(dt, oa.matrix(), ob.matrix(), cc, oa.transposed(), ob.transposed(), m, n, k, 0, 1, 0, 0, 0));
        if (!cc.equals(c)) {
            cx.emit(new Instr.Copy(cc, c));
        }
    }

    private static Operand operand(LoweringContext cx, View x, boolean trans, DType dt) {
        Operand direct = directOperand(x, trans);
        return direct != null ? direct : new Operand(cx.contiguous(x, dt), trans);
    }

    /**
     * x with a unit column stride and a leading dimension >= its columns, as BLAS requires, or
     * null when x is not laid out that way (size-1 axes may carry any stride, so they are fixed up).
     */
    private static View rowMajorOrNull(View x) {
        int rows = x.dim(0);
        int cols = x.dim(1);
        int[] st = x.strides().clone();
        if (cols == 1) {
            st[1] = 1;
        }
        if (rows == 1) {
            st[0] = Math.max(1, cols);
        }
        if (st[1] != 1 || st[0] < Math.max(1, cols)) {
            return null;
        }
        return new View(x.buffer(), x.offset(), x.shape(), st, x.loopStrides());
    }
}
