package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.ArrayList;
import java.util.List;

/**
 * Matrix product over the last two axes, with leading (batch) axes broadcast:
 * {@code (..., M, K) x (..., K, N) -> (..., M, N)}. {@code transA}/{@code transB} read an operand's
 * last two axes swapped, so {@code x W^T} needs no transposed copy (BLAS takes the flag).
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to GEMMs)
 * {@code dev.spool.compiler.lower.MatMulLowering#GEMM}; reference semantics
 * {@code dev.spool.backend.cpu.reference.MatMulReference#MATMUL}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record MatMul(boolean transA, boolean transB) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.MATMUL;
    }

    @Override
    public String name() {
        return "matmul";
    }

    @Override
    public String attributes() {
        return (transA ? "transA" : "") + (transA && transB ? " " : "") + (transB ? "transB" : "");
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 2);
        TensorType a = in.get(0);
        TensorType b = in.get(1);
        Rules.sameNumericDtype(name(), in);
        if (a.rank() < 2 || b.rank() < 2) {
            throw new ShapeException("matmul: operands need rank >= 2, got " + a + " and " + b);
        }
        Dim m = a.shape().dim(a.rank() - (transA ? 1 : 2));
        Dim ka = a.shape().dim(a.rank() - (transA ? 2 : 1));
        Dim kb = b.shape().dim(b.rank() - (transB ? 1 : 2));
        Dim n = b.shape().dim(b.rank() - (transB ? 2 : 1));
        if (!dims.tryUnify(ka, kb)) {
            throw new ShapeException("matmul" + (attributes().isEmpty() ? "" : "[" + attributes() + "]")
                    + ": contraction dims differ: lhs " + a + " has K=" + ka + ", rhs " + b + " has K=" + kb);
        }
        Shape batch = Broadcasting.shape(name(), List.of(dropLast2(a.shape()), dropLast2(b.shape())), dims);
        List<Dim> out = new ArrayList<>(batch.dims());
        out.add(m);
        out.add(n);
        return List.of(new TensorType(a.dtype(), new Shape(out)));
    }

    private static Shape dropLast2(Shape s) {
        return new Shape(s.dims().subList(0, s.rank() - 2));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null || !fwd.inputType(0).dtype().isFloat()) {
            return java.util.Arrays.asList(null, null);
        }
        // With A' = op(A), B' = op(B): dA' = g B'^T and dB' = A'^T g; a transposed operand takes the
        // transpose of its cotangent, which is again one matmul with swapped flags.
        Value a = fwd.input(0);
        Value bb = fwd.input(1);
        Value da = transA ? b.matmul(bb, g, transB, true) : b.matmul(g, bb, false, !transB);
        Value db = sharedRhs(fwd) ? sharedRhsGradient(b, a, g, fwd.inputType(0))
                : transB ? b.matmul(g, a, true, transA) : b.matmul(a, g, !transA, false);
        return java.util.Arrays.asList(Grads.unbroadcast(b, da, fwd.inputType(0)), Grads.unbroadcast(b, db, fwd.inputType(1)));
    }

    /** A batched (..., M, K) lhs times one (K, N) matrix, as a linear layer applied to every step of a sequence. */
    private boolean sharedRhs(Forward fwd) {
        return !transA && fwd.inputType(0).rank() > 2 && fwd.inputType(1).rank() == 2;
    }

    /**
     * The gradient of a matrix shared by every batch of the lhs, as one product over all the rows:
     * Σ_batch A_bᵀ g_b = A'ᵀ g' with A' (rows, K) and g' (rows, N) the operands with their batch axes
     * folded into the rows. The batched form would be one small GEMM per batch (per time step for a
     * language model's head) and a reduction over them.
     */
    private Value sharedRhsGradient(Builder b, Value a, Value g, TensorType at) {
        Dim[] lead = at.shape().dims().subList(0, at.rank() - 1).toArray(Dim[]::new);
        Dim rows = Dim.product(lead);
        Value a2 = b.reshape(a, rows, at.shape().dim(at.rank() - 1));
        Value g2 = b.reshape(g, rows, b.typeOf(g).shape().dim(at.rank() - 1));
        return transB ? b.matmul(g2, a2, true, false) : b.matmul(a2, g2, true, false);
    }
}
