package dev.spool.compiler.simplify;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.Value;
import dev.spool.ops.internal.Gather;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.OneHot;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Reshape;
import dev.spool.ops.internal.ScatterAdd;
import dev.spool.ops.internal.Transpose;

import java.util.List;

/**
 * One-hot products become row lookups. The char-LM feeds {@code one_hot(tokens, V)} into its
 * input projection, a GEMM with K = V that multiplies mostly zeros; {@code one_hot(i) W} is row
 * i of W, a {@code gather}, and its weight gradient ({@code G^T one_hot(i)} for W stored (N, V)
 * as {@code linear} keeps it, {@code one_hot(i)^T G} for (V, N)) sums rows of G into rows i, a
 * {@code scatter_add}. Only rank-2 products become scatters: a batched one would need a batched
 * scatter. Reshapes that keep the one-hot axis move onto the indices, and a scan whose sequence
 * is a one-hot slices the indices instead (the one-hot of each step is built in the body), so
 * the rules also see the projection inside the layer's scans.
 *
 * <p>Assumes every index is in [0, V): {@code one_hot} maps other indices to zero rows, while
 * {@code gather} and {@code scatter_add} refuse them at run time (an error, never a wrong value).
 */
public final class OneHotRules {
    private OneHotRules() {
    }

    private static final List<Integer> SWAP = List.of(1, 0);

    public static final List<Rule> RULES = List.of(
            // reshape(one_hot(i, V), (s..., V)) -> one_hot(reshape(i, (s...)), V)
            Rule.of("reshape-one-hot", OpCode.RESHAPE, OneHotRules::reshapeOneHot),
            // matmul(one_hot(i, V), W (V, N)) -> gather(W, i); with transB, W (N, V) -> gather(transpose(W), i)
            Rule.of("one-hot-matmul", OpCode.MATMUL, OneHotRules::lookup),
            // matmul[transA](A (R, M), one_hot(i (R), V)) -> transpose(scatter_add[rows=V](i, A))
            Rule.of("matmul-one-hot", OpCode.MATMUL, OneHotRules::scatter),
            // matmul[transA](one_hot(i (R), V), G (R, N)) -> scatter_add[rows=V](i, G)
            Rule.of("one-hot-t-matmul", OpCode.MATMUL, OneHotRules::scatterRows));

    public static final List<SequenceRule> SEQUENCE_RULES = List.of(
            // scan over one_hot(i) -> scan over i with one_hot(i_t) in the body
            new SequenceRule("sink-one-hot", (r, seq) -> {
                OneHot oh = r.producer(seq, OneHot.class);
                return oh == null ? null : new SequenceRule.Sunk(r.input(seq, 0), oh);
            }));

    private static Value reshapeOneHot(Rewriter r, Primitive op, List<Value> in) {
        OneHot oh = r.producer(in.get(0), OneHot.class);
        Shape target = ((Reshape) op).target();
        if (oh == null || target.rank() == 0 || !target.dim(target.rank() - 1).equals(Dim.of(oh.depth()))) {
            return null;
        }
        Shape indices = new Shape(target.dims().subList(0, target.rank() - 1));
        return r.emit(oh, r.emit(new Reshape(indices), r.input(in.get(0), 0)));
    }

    private static Value lookup(Rewriter r, Primitive op, List<Value> in) {
        MatMul mm = (MatMul) op;
        OneHot oh = r.producer(in.get(0), OneHot.class);
        Value w = in.get(1);
        if (mm.transA() || oh == null || r.type(w).rank() != 2) {
            return null;
        }
        Value table = mm.transB() ? r.emit(new Transpose(SWAP), w) : w;
        return r.emit(new Gather(), table, r.input(in.get(0), 0));
    }

    private static Value scatter(Rewriter r, Primitive op, List<Value> in) {
        MatMul mm = (MatMul) op;
        OneHot oh = r.producer(in.get(1), OneHot.class);
        Value a = in.get(0);
        if (!mm.transA() || mm.transB() || oh == null || r.type(a).rank() != 2 || r.type(in.get(1)).rank() != 2) {
            return null;
        }
        return r.emit(new Transpose(SWAP), r.emit(new ScatterAdd(oh.depth()), r.input(in.get(1), 0), a));
    }

    private static Value scatterRows(Rewriter r, Primitive op, List<Value> in) {
        MatMul mm = (MatMul) op;
        OneHot oh = r.producer(in.get(0), OneHot.class);
        Value g = in.get(1);
        if (!mm.transA() || mm.transB() || oh == null || r.type(in.get(0)).rank() != 2 || r.type(g).rank() != 2) {
            return null;
        }
        return r.emit(new ScatterAdd(oh.depth()), r.input(in.get(0), 0), g);
    }
}
