package dev.spool.compiler.simplify;

import dev.spool.graph.Value;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.UnaryFn;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Reshape;
import dev.spool.ops.internal.Slice;
import dev.spool.ops.internal.Transpose;
import dev.spool.ops.internal.Unary;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Algebraic identities that drop or merge ops. A neutral operand (0 for add and sub, 1 for mul
 * and div) is a fill or a uniform constant, and the op goes only when its result has exactly
 * x's type: {@code x(B,1) + fill0(B,4)} broadcasts, so it stays. With {@link FoldingRules} they clean
 * up autodiff's {@code Grads.broadcastTo}: {@code mul(add(fill0, reshape(fill1)), g)} folds to
 * {@code mul(fill1, g)}, then to {@code g}. Exact in IEEE arithmetic except that {@code -0.0 + 0}
 * keeps its sign.
 */
public final class IdentityRules {
    private IdentityRules() {
    }

    public static final List<Rule> RULES = List.of(
            // x + 0 -> x, 0 + x -> x
            Rule.of("add-zero", OpCode.BINARY, (r, op, in) -> is(op, BinaryFn.ADD) ? neutral(r, op, in, 0, true) : null),
            // x - 0 -> x
            Rule.of("sub-zero", OpCode.BINARY, (r, op, in) -> is(op, BinaryFn.SUB) ? neutral(r, op, in, 0, false) : null),
            // x * 1 -> x, 1 * x -> x
            Rule.of("mul-one", OpCode.BINARY, (r, op, in) -> is(op, BinaryFn.MUL) ? neutral(r, op, in, 1, true) : null),
            // x / 1 -> x
            Rule.of("div-one", OpCode.BINARY, (r, op, in) -> is(op, BinaryFn.DIV) ? neutral(r, op, in, 1, false) : null),
            // x + neg(y) -> x - y, neg(y) + x -> x - y
            Rule.of("add-neg", OpCode.BINARY, IdentityRules::addNeg),
            // neg(neg(x)) -> x
            Rule.of("neg-neg", OpCode.UNARY, (r, op, in) -> isNeg(op) && isNeg(r, in.get(0)) ? r.input(in.get(0), 0) : null),
            // reshape(x, shape(x)) -> x
            Rule.of("reshape-same", OpCode.RESHAPE, (r, op, in) -> same(r, op, in)),
            // reshape(reshape(x)) -> reshape(x)
            Rule.of("reshape-reshape", OpCode.RESHAPE, (r, op, in) -> r.producer(in.get(0), Reshape.class) != null
                    ? r.emit(op, r.input(in.get(0), 0)) : null),
            // pad(x, 0, 0) -> x
            Rule.of("pad-none", OpCode.PAD, (r, op, in) -> ((Pad) op).before() == 0 && ((Pad) op).after() == 0 ? in.get(0) : null),
            // x[0:n] along an axis of size n -> x
            Rule.of("slice-all", OpCode.SLICE, IdentityRules::sliceAll),
            // cast(x: d, d) -> x
            Rule.of("cast-same", OpCode.CAST, (r, op, in) -> ((Cast) op).to() == r.type(in.get(0)).dtype() ? in.get(0) : null),
            // transpose(x, identity) -> x
            Rule.of("transpose-identity", OpCode.TRANSPOSE, (r, op, in) -> isIdentity(((Transpose) op).perm()) ? in.get(0) : null),
            // transpose(transpose(x, p), q) -> transpose(x, p∘q)
            Rule.of("transpose-transpose", OpCode.TRANSPOSE, IdentityRules::transposeTranspose));

    private static boolean is(Primitive op, BinaryFn fn) {
        return ((Binary) op).fn() == fn;
    }

    private static boolean isNeg(Primitive op) {
        return ((Unary) op).fn() == UnaryFn.NEG;
    }

    private static boolean isNeg(Rewriter r, Value v) {
        Unary u = r.producer(v, Unary.class);
        return u != null && isNeg(u);
    }

    /**
     * The operand that survives {@code x op n} (and {@code n op x} if {@code commutes}) when n is
     * uniformly {@code value} and the result has x's type; else null.
     */
    private static Value neutral(Rewriter r, Primitive op, List<Value> in, double value, boolean commutes) {
        for (int keep = 0; keep < (commutes ? 2 : 1); keep++) {
            Value x = in.get(keep);
            OptionalDouble n = r.uniformValue(in.get(1 - keep));
            if (n.isPresent() && n.getAsDouble() == value && r.resultType(op, in).equals(r.type(x))) {
                return x;
            }
        }
        return null;
    }

    private static Value addNeg(Rewriter r, Primitive op, List<Value> in) {
        if (!is(op, BinaryFn.ADD)) {
            return null;
        }
        for (int neg = 1; neg >= 0; neg--) {
            if (isNeg(r, in.get(neg))) {
                return r.emit(new Binary(BinaryFn.SUB), in.get(1 - neg), r.input(in.get(neg), 0));
            }
        }
        return null;
    }

    private static Value same(Rewriter r, Primitive op, List<Value> in) {
        return r.type(in.get(0)).shape().equals(((Reshape) op).target()) ? in.get(0) : null;
    }

    private static Value sliceAll(Rewriter r, Primitive op, List<Value> in) {
        Slice s = (Slice) op;
        var shape = r.type(in.get(0)).shape();
        int axis = Math.floorMod(s.axis(), shape.rank());
        return s.start() == 0 && s.end() == shape.dim(axis).size() ? in.get(0) : null;
    }

    private static boolean isIdentity(List<Integer> perm) {
        for (int i = 0; i < perm.size(); i++) {
            if (perm.get(i) != i) {
                return false;
            }
        }
        return true;
    }

    private static Value transposeTranspose(Rewriter r, Primitive op, List<Value> in) {
        Transpose inner = r.producer(in.get(0), Transpose.class);
        if (inner == null) {
            return null;
        }
        // output axis i of the outer is its input axis q[i], which is x's axis p[q[i]]
        List<Integer> q = ((Transpose) op).perm();
        List<Integer> composed = new ArrayList<>();
        for (int axis : q) {
            composed.add(inner.perm().get(axis));
        }
        return r.emit(new Transpose(composed), r.input(in.get(0), 0));
    }
}
