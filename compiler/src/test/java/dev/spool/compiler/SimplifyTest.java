package dev.spool.compiler;

import dev.spool.compiler.simplify.Rewriter;
import dev.spool.compiler.simplify.Rule;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Verifier;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.ops.UnaryFn;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Unary;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.spool.graph.DType.F32;
import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I32;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden tests of {@link Simplify}, one per rule family: each builds a tiny graph, runs the pass
 * and compares the printed graph before and after with
 * {@code src/test/resources/golden/simplify/<name>.txt}. To accept changed output, run
 * {@code mvn -o -pl compiler test -Dtest=SimplifyTest -Dspool.golden.update=true} and review the
 * diff of the golden files.
 */
class SimplifyTest {

    /** Runs the pass, checks the result verifies and is a fixpoint, and compares with the golden file. */
    private static Graph simplify(String name, Graph before) {
        Verifier.verify(before);
        Graph after = new Simplify().run(before);
        Verifier.verify(after);
        assertEquals(after.toString(), new Simplify().run(after).toString(), "simplify is not idempotent on " + name);
        Golden.check("simplify", name, before, after);
        return after;
    }


    @Test
    void cseMergesEqualNodesAndConstantsButNotScans() {
        var b = new Builder();
        Value x = b.input("x", F32, "B", 4);
        Value xs = b.input("xs", F32, "T", "B", 4);
        Value y1 = b.add(b.tanh(x), b.scalar(2, F32));
        Value y2 = b.add(b.tanh(x), b.scalar(2, F32));                       // same as y1
        Value y3 = b.add(b.tanh(x), b.constant(Tensor.ofFloats(new int[] {1}, 2))); // other shape: another constant
        Value y4 = b.mul(b.tanh(x), b.scalar(-0.0, F32));                    // -0.0 is not 0.0
        Value y5 = b.mul(b.tanh(x), b.scalar(0.0, F32));
        Value s1 = b.scan(List.of(b.zeros(F32, "B", 4)), List.of(xs), (c, s) -> {
            Value h = b.add(c.get(0), s.get(0));
            return Step.of(List.of(h), List.of());
        }).carries().get(0);
        Value s2 = b.scan(List.of(b.zeros(F32, "B", 4)), List.of(xs), (c, s) -> {
            Value h = b.add(c.get(0), s.get(0));
            return Step.of(List.of(h), List.of());
        }).carries().get(0);
        Graph after = simplify("cse", b.build("y1", y1, "y2", y2, "y3", y3, "y4", y4, "y5", y5, "s1", s1, "s2", s2));
        assertEquals(after.result("y1"), after.result("y2"));
        assertTrue(!after.result("s1").equals(after.result("s2")), "scans are never merged");
    }

    @Test
    void constantFoldingUsesScalarSemanticsAndKeepsSymbolicFills() {
        var b = new Builder();
        Value x = b.input("x", F32, "B", 4);
        Value k = b.mul(b.add(b.constant(Tensor.ofFloats(new int[] {3}, 1, 2, 3)), b.scalar(10, F32)), b.scalar(2, F32));
        Value idiv = b.div(b.constant(Tensor.ofLongs(new int[] {2}, 7, -7)), b.constant(Tensor.ofLongs(new int[] {}, 2)));
        Value big = b.add(b.constant(Tensor.ofLongs(new int[] {}, 1L << 53)), b.constant(Tensor.ofLongs(new int[] {}, 1)));
        Value byZero = b.div(b.constant(Tensor.ofInts(new int[] {1}, 1)), b.constant(Tensor.ofInts(new int[] {1}, 0)));
        Value less = b.less(b.constant(Tensor.ofFloats(new int[] {3}, 1, 2, 3)), b.scalar(2, F32));
        Value chosen = b.where(less, k, b.scalar(0, F32));
        Value truncated = b.cast(b.constant(Tensor.ofDoubles(new int[] {2}, 1.7, -1.7)), I32);
        Value seed = b.add(b.zeros(F32, "B", 4), b.reshape(b.fill(1, F32), 1, 1));    // symbolic: stays a fill
        Value shifted = b.add(b.fill(2, F32, "B", 4), b.scalar(1, F32));
        Value large = b.mul(b.fill(2, F32, 8, 9), b.fill(3, F32));                     // 72 elements, uniform: a fill
        Value mixed = b.add(b.constant(Tensor.ofFloats(new int[] {3}, 1, 2, 3)), b.fill(1, F32, 1, 3));
        Value root = b.sqrt(b.fill(4, F64, "B"));
        Value used = b.add(x, seed);
        simplify("fold", b.build("k", k, "idiv", idiv, "big", big, "byZero", byZero, "chosen", chosen, "truncated", truncated,
                "used", used, "shifted", shifted, "large", large, "mixed", mixed, "root", root));
    }

    @Test
    void identitiesDropNeutralOperandsOnlyWhenTheTypeIsKept() {
        var b = new Builder();
        Value x = b.input("x", F32, "B", 4);
        Value y = b.input("y", F32, "B", 4);
        Value n = b.input("n", F32, 4);
        Value z = b.input("z", F32, 2, 3, 4);
        simplify("identities", b.build(
                "addZero", b.add(x, b.zeros(F32, "B", 4)),
                "zeroAdd", b.add(b.scalar(0, F32), x),
                "subZero", b.sub(x, b.zeros(F32)),
                "oneMul", b.mul(b.fill(1, F32, "B", 4), x),
                "divOne", b.div(x, b.scalar(1, F32)),
                "broadcasts", b.add(n, b.zeros(F32, "B", 4)),
                "negNeg", b.neg(b.neg(x)),
                "addNeg", b.add(x, b.neg(y)),
                "negAdd", b.add(b.neg(y), x),
                "reshapeSame", b.reshape(x, "B", 4),
                "reshapeTwice", b.reshape(b.reshape(x, "B", 2, 2), "B", 1, 4),
                "padNone", b.apply1(new Pad(1, 0, 0), x),
                "sliceAll", b.slice(x, -1, 0, 4),
                "castSame", b.cast(x, F32),
                "transposeId", b.transpose(x, 0, 1),
                "transposeBack", b.transpose(b.transpose(z, 1, 2, 0), 2, 0, 1),
                "transposeTwice", b.transpose(b.transpose(z, 1, 0, 2), 0, 2, 1)));
    }

    @Test
    void autodiffBroadcastOfTheSeedFoldsAway() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 4);
        Value y = b.input("y", F64, "T", "B", 4);
        Graph g = Grad.of(b.build("loss", b.sum(b.mul(x, y))), "loss", List.of("x"));
        Graph after = simplify("broadcast-seed", g);
        // d sum(x * y) / dx = mul(add(fill0 (T,B,4), reshape(fill1)), y) = y
        assertEquals(after.result("grad.x").orElseThrow().node(), after.params().get(1).node());
    }

    @Test
    void oneHotProductsBecomeGathers() {
        var b = new Builder();
        Value tokens = b.input("tokens", I64, "T", "B");
        Value fixed = b.input("fixed", I64, 4, 2);
        Value w = b.parameter("w", F32, 5, 3);
        Value wt = b.parameter("wt", F32, 3, 5);
        Value w10 = b.parameter("w10", F32, 10, 3);
        Value oh = b.oneHot(tokens, 5, F32);
        Value oh2 = b.oneHot(fixed, 5, F32);
        simplify("one-hot-gather", b.build(
                "lookup", b.matmul(oh, w),
                "lookupTransB", b.matmul(oh, wt, false, true),
                "throughReshape", b.matmul(b.reshape(oh2, 8, 5), w),
                "reshapeMixesTheOneHotAxis", b.matmul(b.reshape(oh2, 4, 10), w10)));
    }

    @Test
    void oneHotWeightGradientsBecomeScatterAdds() {
        var b = new Builder();
        Value a = b.input("a", F32, 6, 3);
        Value ids = b.input("ids", I64, 6);
        Value ids2 = b.input("ids2", I64, 2, 3);
        Value c = b.input("c", F32, 5, 6);
        Value g = b.input("g", F32, 2, 3, 4);
        simplify("one-hot-scatter", b.build(
                "grad", b.matmul(a, b.oneHot(ids, 5, F32), true, false),
                "throughReshape", b.matmul(a, b.reshape(b.oneHot(ids2, 5, F32), 6, 5), true, false),
                "oneHotFirst", b.matmul(b.oneHot(ids, 5, F32), a, true, false),
                "batched", b.matmul(b.oneHot(ids2, 5, F32), g, true, false),
                "notTransposed", b.matmul(c, b.oneHot(ids, 5, F32))));
    }

    @Test
    void sumsOfDisjointPadsBecomeOneConcat() {
        var b = new Builder();
        Value a = b.input("a", F32, "B", 4);
        Value c = b.input("c", F32, "B", 4);
        Value d = b.input("d", F32, "B", 4);
        Value e = b.input("e", F32, 1, 4);
        Value gap = b.add(pad(b, a, 0, 8), pad(b, d, 8, 0));
        simplify("pads-to-concat", b.build(
                "gates", b.add(pad(b, a, 8, 0), b.add(pad(b, c, 4, 4), pad(b, d, 0, 8))),
                "gap", gap,
                "gapFilled", b.add(gap, pad(b, c, 4, 4)),
                "ends", b.add(pad(b, a, 4, 8), pad(b, c, 8, 4)),
                "overlap", b.add(pad(b, a, 0, 4), pad(b, c, 2, 2)),
                "broadcasts", b.add(pad(b, a, 0, 4), pad(b, e, 4, 0)),
                "padPad", b.apply1(new Pad(1, 0, 2), pad(b, a, 1, 0)),
                "concatConcat", b.concat(1, List.of(a, b.concat(-1, List.of(c, d))))));
    }

    private static Value pad(Builder b, Value x, int before, int after) {
        return b.apply1(new Pad(-1, before, after), x);
    }

    @Test
    void rulesRunInsideScanBodiesAndOneHotSequencesSink() {
        var b = new Builder();
        Value tokens = b.input("tokens", I64, "T", "B");
        Value w = b.parameter("w", F32, 4, 5);
        Value one = b.fill(1, F32, "B", 4);
        ScanResult r = b.scan(List.of(b.zeros(F32, "B", 4)), List.of(b.oneHot(tokens, 5, F32)), (c, s) -> {
            Value p = b.matmul(s.get(0), w, false, true);          // gather(transpose(w), tokens_t)
            Value h = b.add(b.mul(c.get(0), one), b.neg(p));        // h - p
            Value next = b.add(b.tanh(h), b.tanh(h));               // one tanh
            return Step.of(List.of(next), List.of(b.mul(next, b.scalar(1, F32))));
        });
        Graph after = simplify("scan-body", b.build("h", r.carries().get(0), "hs", r.outputs().get(0)));
        assertTrue(!after.toString().contains("one_hot"), after.toString());
    }

    @Test
    void rulesThatDoNotTerminateAreReported() {
        // exp(x) -> exp(exp(x)) would grow forever; the rewriter refuses instead of overflowing the stack
        Rule grow = Rule.of("grow", OpCode.UNARY, (r, op, in) -> r.emit(new Unary(UnaryFn.EXP), r.emit(op, in)));
        var b = new Builder();
        Graph g = b.build("y", b.exp(b.input("x", F32, 2)));
        var e = assertThrows(IllegalStateException.class, () -> Rewriter.run(g, List.of(grow), List.of()));
        assertTrue(e.getMessage().contains("do not terminate"), e.getMessage());
    }
}
