package dev.spool.backend.cpu;

import dev.spool.compiler.DeadCodeElimination;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.Simplify;
import dev.spool.compiler.VerifyPass;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.ops.internal.Pad;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I32;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Simplify changes no value: each graph exercises a rule family (and its gradient where it has
 * one) and runs with and without the pass on random f64 feeds; results agree to 1e-12, and the
 * pass is checked to have rewritten what the graph was built to exercise.
 */
class SimplifyNumericTest {
    private static final Map<String, Integer> DIMS = Map.of("T", 5, "B", 3);
    private static final int VOCAB = 5;

    private static final Pipeline ON = new Pipeline(List.of(new VerifyPass(), new Simplify(), new DeadCodeElimination()));
    private static final Pipeline OFF = new Pipeline(List.of(new VerifyPass(), new DeadCodeElimination()));

    /** Runs g both ways on random feeds and returns the simplified graph for structural checks. */
    private static Graph assertSameResults(Graph g, long seed) {
        Map<String, Tensor> feeds = feeds(g, new Random(seed));
        Map<String, Tensor> off = CpuBackend.compile(g, OFF).run(feeds);
        Map<String, Tensor> on = CpuBackend.compile(g, ON).run(feeds);
        assertEquals(off.keySet(), on.keySet());
        for (String k : off.keySet()) {
            assertEquals(off.get(k).dtype(), on.get(k).dtype(), k);
            assertArrayEquals(off.get(k).shape(), on.get(k).shape(), k);
            assertArrayEquals(off.get(k).toDoubles(), on.get(k).toDoubles(), 1e-12, k);
        }
        return ON.run(g);
    }

    /** Random values for every param: floats Gaussian, integers in [0, VOCAB) (valid one-hot indices). */
    private static Map<String, Tensor> feeds(Graph g, Random rnd) {
        Map<String, Tensor> feeds = new HashMap<>();
        for (Value p : g.params()) {
            Tensor t = Tensor.zeros(p.dtype(), p.shape().sizes(DIMS));
            for (int i = 0; i < t.size(); i++) {
                if (p.dtype().isInteger()) {
                    t.setLong(i, rnd.nextInt(VOCAB));
                } else {
                    t.setDouble(i, rnd.nextGaussian());
                }
            }
            feeds.put(g.source(p).label(), t);
        }
        return feeds;
    }

    /** Nodes running op {@code name}, counted in every scope. */
    private static long count(Graph g, String name) {
        long n = 0;
        for (Node node : g.nodes()) {
            n += node.op().name().equals(name) ? 1 : 0;
            if (node.op() instanceof ScanOp s) {
                n += count(s.body(), name);
            }
        }
        return n;
    }

    private static Value weighted(Builder b, Value y, String name) {
        return b.sum(b.mul(y, b.input(name, F64, b.typeOf(y).shape().dims().toArray())));
    }

    @Test
    void cseAndConstantFolding() {
        var b = new Builder();
        Value x = b.input("x", F64, "B", 3);
        Value k = b.mul(b.add(b.constant(Tensor.ofDoubles(new int[] {3}, 1, 2, 3)), b.scalar(10, F64)), b.scalar(0.5, F64));
        Value seed = b.add(b.zeros(F64, "B", 3), b.reshape(b.fill(1.5, F64), 1, 1));
        Value ints = b.cast(b.div(b.constant(Tensor.ofLongs(new int[] {3}, 7, -7, 9)), b.constant(Tensor.ofLongs(new int[] {}, 2))), F64);
        Value mask = b.less(b.constant(Tensor.ofDoubles(new int[] {3}, 1, 2, 3)), b.scalar(2.5, F64));
        Value picked = b.where(mask, b.exp(b.constant(Tensor.ofDoubles(new int[] {3}, 0.1, 0.2, 0.3))), b.sqrt(b.fill(2, F64, 1, 3)));
        Value y = b.add(b.add(b.mul(b.tanh(x), k), b.mul(b.tanh(x), seed)), b.add(ints, picked));
        Value z = b.cast(b.add(b.cast(b.fill(3, F64, "B", 3), I32), b.cast(x, I32)), F64);
        Graph g = Grad.of(b.build("loss", b.add(weighted(b, y, "ry"), weighted(b, z, "rz")), "y", y, "z", z), "loss", List.of("x"));
        Graph s = assertSameResults(g, 1);
        assertEquals(0, count(s, "where") + count(s, "lt") + count(s, "exp"), "folded:\n" + s);
        assertEquals(1, count(s, "tanh"), "one tanh after CSE:\n" + s);
    }

    @Test
    void identities() {
        var b = new Builder();
        Value x = b.input("x", F64, "B", 4);
        Value y = b.input("y", F64, "B", 4);
        Value z = b.input("z", F64, 2, 3, 4);
        Value n = b.input("n", F64, 4);
        Value v = b.add(b.mul(b.fill(1, F64, "B", 4), x), b.zeros(F64, "B", 4));
        v = b.div(b.sub(v, b.scalar(0, F64)), b.scalar(1, F64));
        v = b.add(b.neg(b.neg(v)), b.neg(y));
        v = b.reshape(b.reshape(b.reshape(v, "B", 4), "B", 2, 2), "B", 4);
        v = b.slice(b.apply1(new Pad(1, 0, 0), b.cast(v, F64)), 1, 0, 4);
        v = b.add(b.transpose(b.transpose(v, 1, 0), 1, 0), b.add(n, b.zeros(F64, "B", 4)));
        Value w = b.transpose(b.transpose(b.transpose(z, 1, 0, 2), 0, 2, 1), 2, 1, 0);
        Graph g = Grad.of(b.build("loss", b.add(weighted(b, v, "rv"), weighted(b, w, "rw")), "v", v, "w", w),
                "loss", List.of("x", "y", "z", "n"));
        Graph s = assertSameResults(g, 2);
        assertEquals(0, count(s, "pad") + count(s, "slice") + count(s, "cast") + count(s, "div"), "\n" + s);
        assertEquals(1, count(s, "neg"), "only the gradient of y, -g, is a negation:\n" + s);
        assertTrue(count(s, "transpose") < count(g, "transpose"), "\n" + s);
    }

    /** logits of one-hot tokens by W (V, N), W (N, V) with transB, and a reshaped one-hot; loss and its gradients. */
    @Test
    void oneHotMatmulForwardAndGradient() {
        var b = new Builder();
        Value tokens = b.input("tokens", I64, "T", "B");
        Value rows = b.input("rows", I64, 6);
        Value grid = b.input("grid", I64, 2, 3);
        Value w = b.parameter("w", F64, VOCAB, 4);
        Value wt = b.parameter("wt", F64, 4, VOCAB);
        Value a = b.matmul(b.oneHot(tokens, VOCAB, F64), w);
        Value c = b.matmul(b.oneHot(rows, VOCAB, F64), w);
        Value d = b.matmul(b.oneHot(rows, VOCAB, F64), wt, false, true);
        Value e = b.matmul(b.reshape(b.oneHot(grid, VOCAB, F64), 6, VOCAB), wt, false, true);
        Value loss = b.add(b.add(weighted(b, a, "ra"), weighted(b, c, "rc")), b.add(weighted(b, d, "rd"), weighted(b, e, "re")));
        Graph g = Grad.of(b.build("loss", loss, "a", a, "e", e), "loss", List.of("w", "wt"));
        Graph s = assertSameResults(g, 3);
        // every one-hot product became a gather or a scatter_add, the batched one_hot(tokens)^T g too: the
        // gradient of a matrix shared by a batched product is one product over the flattened rows
        assertEquals(4, count(s, "gather"), "\n" + s);
        assertEquals(4, count(s, "scatter_add"), "\n" + s);
        assertEquals(0, count(s, "matmul"), "\n" + s);
    }

    /** Gates sliced from one pre-activation: their gradients are pads that add up to one concat. */
    @Test
    void sumsOfDisjointPads() {
        var b = new Builder();
        Value x = b.input("x", F64, "B", 12);
        Value u = b.input("u", F64, "B", 4);
        Value gates = b.add(b.mul(b.sigmoid(b.slice(x, 1, 0, 4)), b.tanh(b.slice(x, 1, 8, 12))), b.exp(b.slice(x, -1, 4, 8)));
        Value gap = b.add(b.apply1(new Pad(1, 2, 6), u), b.apply1(new Pad(1, 6, 2), b.tanh(u)));
        Graph g = Grad.of(b.build("loss", b.add(weighted(b, gates, "rg"), weighted(b, gap, "rp")), "gap", gap), "loss", List.of("x", "u"));
        assertTrue(count(g, "pad") >= 3);
        Graph s = assertSameResults(g, 4);
        assertEquals(1, count(s, "pad"), "only the gap's ends stay padded:\n" + s);
    }

    /** A masked RNN over one-hot tokens, both directions, with identities in its body; loss and gradients. */
    @Test
    void scanBodiesAndOneHotSequences() {
        for (boolean reverse : new boolean[] {false, true}) {
            var b = new Builder();
            Value tokens = b.input("tokens", I64, "T", "B");
            Value len = b.input("len", I64, "B");
            Value wih = b.parameter("wih", F64, 4, VOCAB);
            Value whh = b.parameter("whh", F64, 4, 4);
            Value one = b.fill(1, F64, "B", 4);
            ScanOptions opts = ScanOptions.DEFAULT.lengths(len);
            ScanResult r = b.scan(reverse ? opts.reverse() : opts, List.of(b.zeros(F64, "B", 4)), List.of(b.oneHot(tokens, VOCAB, F64)), (c, s) -> {
                Value pre = b.add(b.matmul(s.get(0), wih, false, true), b.neg(b.neg(b.matmul(c.get(0), whh, false, true))));
                Value h = b.mul(b.tanh(pre), one);
                return Step.of(List.of(h), List.of(b.add(h, b.tanh(pre))));
            });
            Graph g = Grad.of(b.build("loss", b.add(weighted(b, r.outputs().get(0), "ry"), weighted(b, r.carries().get(0), "rh"))),
                    "loss", List.of("wih", "whh"));
            Graph s = assertSameResults(g, reverse ? 6 : 5);
            assertEquals(0, count(s, "one_hot"), "\n" + s);
            assertTrue(count(s, "gather") >= 1 && count(s, "scatter_add") >= 1, "\n" + s);
        }
    }
}
