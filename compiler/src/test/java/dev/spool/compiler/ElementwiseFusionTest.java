package dev.spool.compiler;

import dev.spool.compiler.TestPrograms.Cell;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Verifier;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Fused;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.OpKind;
import dev.spool.ops.internal.Primitive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.spool.compiler.TestPrograms.B;
import static dev.spool.compiler.TestPrograms.H;
import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Elementwise fusion: which ops land in which group for the cells' forward and backward math, and
 * the properties every grouping must have: a group is convex (no path leaves it and comes back, so
 * fusing it creates no cycle), maximal (two adjacent same-shape groups are apart only because
 * merging them would not be convex), exports exactly what is read outside it, and literals and
 * groups nothing reads leave no trace.
 */
class ElementwiseFusionTest {

    private static Graph fuse(Graph g) {
        Graph out = new ElementwiseFusion().run(g);
        Verifier.verify(out);
        return out;
    }

    private static boolean elementwise(Node n) {
        return n.op() instanceof Primitive p && p.kind() == OpKind.ELEMENTWISE && p.code() != OpCode.FUSED;
    }

    private static Map<String, Integer> counts(Graph g) {
        Map<String, Integer> m = new HashMap<>();
        for (Node n : g.nodes()) {
            if (n.op() instanceof Primitive) {
                m.merge(n.op().name(), 1, Integer::sum);
            }
        }
        return m;
    }

    private static Node only(List<Node> nodes) {
        assertEquals(1, nodes.size(), "expected exactly one node, got " + nodes);
        return nodes.get(0);
    }

    // Grouping properties --------------------------------------------------------------------------

    /** Index-level consumers of each node of g. */
    private static List<List<Integer>> consumers(Graph g) {
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < g.nodes().size(); i++) {
            index.put(g.nodes().get(i).id(), i);
        }
        List<List<Integer>> out = new ArrayList<>();
        g.nodes().forEach(n -> out.add(new ArrayList<>()));
        for (int i = 0; i < g.nodes().size(); i++) {
            for (Value in : g.nodes().get(i).inputs()) {
                out.get(index.get(in.node())).add(i);
            }
        }
        return out;
    }

    /** Whether some path leaves the node set s and re-enters it (fusing s would form a cycle). */
    private static boolean convex(Set<Integer> s, List<List<Integer>> consumers) {
        ArrayDeque<Integer> work = new ArrayDeque<>();
        Set<Integer> seen = new HashSet<>();
        for (int m : s) {
            for (int c : consumers.get(m)) {
                if (!s.contains(c) && seen.add(c)) {
                    work.add(c);
                }
            }
        }
        while (!work.isEmpty()) {
            int x = work.poll();
            for (int c : consumers.get(x)) {
                if (s.contains(c)) {
                    return false;
                }
                if (seen.add(c)) {
                    work.add(c);
                }
            }
        }
        return true;
    }

    /** Checks {@link ElementwiseFusion#group} on g and on every scan body in it; returns the number of groups of two or more. */
    private static int checkGrouping(Graph g) {
        int[] root = ElementwiseFusion.group(g);
        List<Node> nodes = g.nodes();
        List<List<Integer>> consumers = consumers(g);
        Map<Integer, Set<Integer>> groups = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.op() instanceof ScanOp s) {
                checkGrouping(s.body());
            }
            if (root[i] < 0) {
                assertFalse(elementwise(n) && n.outputs().size() == 1, "elementwise node left out of grouping: " + n);
                continue;
            }
            assertTrue(elementwise(n), "non-elementwise node grouped: " + n);
            assertEquals(nodes.get(root[i]).outputs().get(0).shape(), n.outputs().get(0).shape(), "one shape per group: " + n);
            groups.computeIfAbsent(root[i], r -> new HashSet<>()).add(i);
        }
        for (Set<Integer> s : groups.values()) {
            assertTrue(convex(s, consumers), "group " + s + " is left and re-entered by a path: fusing it forms a cycle");
        }
        // Maximal: adjacent groups of one shape stay apart only when their union is not convex.
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).id(), i);
        }
        for (int c = 0; c < nodes.size(); c++) {
            for (Value in : nodes.get(c).inputs()) {
                int p = index.get(in.node());
                if (root[p] < 0 || root[c] < 0 || root[p] == root[c]
                        || !nodes.get(p).outputs().get(0).shape().equals(nodes.get(c).outputs().get(0).shape())) {
                    continue;
                }
                Set<Integer> union = new HashSet<>(groups.get(root[p]));
                union.addAll(groups.get(root[c]));
                assertFalse(convex(union, consumers), "groups of " + nodes.get(p) + " and " + nodes.get(c) + " could be one group");
            }
        }
        return (int) groups.values().stream().filter(s -> s.size() > 1).count();
    }

    // The cells forward ----------------------------------------------------------------------------

    @Test
    void rnnCellIsOneKernelAfterItsTwoMatmuls() {
        Graph g = TestPrograms.cellStep(Cell.RNN);
        assertEquals(1, checkGrouping(g));
        Graph f = fuse(g);
        // x W_ihᵀ and h W_hhᵀ stay GEMMs; both bias adds, their sum and the tanh are one kernel writing h'.
        assertEquals(Map.of("matmul", 2, "fused", 1), counts(f));
        Fused k = TestPrograms.fused(f).get(0);
        assertEquals(Map.of("add", 3, "tanh", 1), counts(k.body()));
        assertEquals(1, k.body().results().size());
        assertEquals(4, k.body().params().size()); // two products and two biases
    }

    @Test
    void lstmCellGatesAreSplitPerSliceAndFusedWithTheCellUpdate() {
        Graph f = fuse(TestPrograms.cellStep(Cell.LSTM));
        Map<String, Integer> top = counts(f);
        // No (B, 4H) sum survives: the pre-activation adds were split per gate onto slices of the two products.
        assertEquals(1, top.get("fused"));
        assertEquals(2, top.get("matmul"));
        assertTrue(f.nodes().stream().noneMatch(ElementwiseFusionTest::elementwise), "elementwise op left outside the kernel: " + f);
        Fused k = TestPrograms.fused(f).get(0);
        Map<String, Integer> body = counts(k.body());
        assertEquals(3, body.get("sigmoid"));
        assertEquals(2, body.get("tanh"));
        assertEquals(3, body.get("mul"));
        // per gate: matmul + matmul + b_ih + b_hh (3 adds) x 4 gates, and f*c + i*g.
        assertEquals(13, body.get("add"));
        assertEquals(2, k.body().results().size()); // h' and c'
    }

    @Test
    void gruCellIsOneKernel() {
        Graph f = fuse(TestPrograms.cellStep(Cell.GRU));
        assertEquals(1, counts(f).get("fused"));
        assertTrue(f.nodes().stream().noneMatch(ElementwiseFusionTest::elementwise), f.toString());
        Map<String, Integer> body = counts(TestPrograms.fused(f).get(0).body());
        assertEquals(2, body.get("sigmoid"));
        assertEquals(1, body.get("tanh"));
        assertEquals(1, body.get("sub"));
        assertEquals(2, body.get("mul"));
    }

    @ParameterizedTest
    @EnumSource(Cell.class)
    void scanBodiesAreFusedToo(Cell cell) {
        Graph g = TestPrograms.cellScan(cell);
        checkGrouping(g);
        Graph f = fuse(g);
        ScanOp scan = (ScanOp) only(TestPrograms.nodes(f, n -> n.op() instanceof ScanOp)).op();
        assertEquals(1, TestPrograms.fused(scan.body()).size(), scan.body().toString());
        assertTrue(scan.body().nodes().stream().noneMatch(ElementwiseFusionTest::elementwise), scan.body().toString());
    }

    // The cells backward ---------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Cell.class)
    void cellGradientsGroupConvexlyAndMaximally(Cell cell) {
        Graph g = Grad.of(TestPrograms.cellStepLoss(cell), "loss", List.of("w_ih", "w_hh", "b_ih", "b_hh", "h", "x"));
        assertTrue(checkGrouping(g) >= 1);
        Graph f = fuse(g);
        checkFusedMaximal(f);
    }

    @ParameterizedTest
    @EnumSource(Cell.class)
    void scanGradientsGroupConvexlyAndMaximally(Cell cell) {
        Graph g = Grad.of(TestPrograms.cellScan(cell, true), "loss", List.of("w_ih", "w_hh", "b_ih", "b_hh"));
        checkGrouping(g);
        Graph f = fuse(g);
        checkFusedMaximal(f);
        for (Node n : f.nodes()) {
            if (n.op() instanceof ScanOp s) {
                checkFusedMaximal(s.body());
                assertTrue(s.body().nodes().stream().anyMatch(TestPrograms::isFused), "no kernel in a scan body: " + s.body());
            }
        }
    }

    /** After fusion: adjacent same-shape kernels or elementwise ops are apart only when merging them would form a cycle. */
    private static void checkFusedMaximal(Graph f) {
        List<Node> nodes = f.nodes();
        List<List<Integer>> consumers = consumers(f);
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).id(), i);
        }
        for (int c = 0; c < nodes.size(); c++) {
            Node nc = nodes.get(c);
            if (!(elementwise(nc) || TestPrograms.isFused(nc))) {
                continue;
            }
            for (Value in : nc.inputs()) {
                int p = index.get(in.node());
                Node np = nodes.get(p);
                if (p == c || !(elementwise(np) || TestPrograms.isFused(np)) || !np.outputs().get(0).shape().equals(nc.outputs().get(0).shape())) {
                    continue;
                }
                assertFalse(convex(Set.of(p, c), consumers), "kernels " + np.label() + " and " + nc.label() + " could be one: " + f);
            }
        }
    }

    // Exactness ------------------------------------------------------------------------------------

    /**
     * y = tanh(x) + sigmoid(tanh(x) W): y may join sigmoid's group (both wait for the product), not
     * tanh's (that group must run before the product, y after it). The largest legal group is
     * {sigmoid, add}.
     */
    @Test
    void aConsumerJoinsTheDownstreamGroupWhenItCannotJoinBoth() {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, H);
        Value w = b.parameter("w", F64, H, H);
        Value a = b.tanh(x);
        Value s = b.sigmoid(b.matmul(a, w));
        Value y = b.add(a, s);
        Graph g = b.build("y", y);
        int[] root = ElementwiseFusion.group(g);
        int ia = g.nodes().indexOf(g.node(a.node()));
        int is = g.nodes().indexOf(g.node(s.node()));
        int iy = g.nodes().indexOf(g.node(y.node()));
        assertEquals(root[is], root[iy], "add should join the sigmoid's group");
        assertNotEquals(root[ia], root[iy], "tanh cannot be in add's group: the product sits between them");
        Graph f = fuse(g);
        Fused k = TestPrograms.fused(f).get(0);
        assertEquals(Map.of("sigmoid", 1, "add", 1), counts(k.body()));
        assertEquals(Map.of("tanh", 1, "matmul", 1, "fused", 1), counts(f));
    }

    /** Two chains meeting only at the end, each behind its own product: everything after the products is one group. */
    @Test
    void independentChainsMergeAtTheirJoin() {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, H);
        Value w = b.parameter("w", F64, H, H);
        Value p = b.exp(b.matmul(x, w));
        Value q = b.neg(b.tanh(b.matmul(b.relu(x), w)));
        Value y = b.mul(b.add(p, q), x);
        Graph g = b.build("y", y);
        checkGrouping(g);
        Graph f = fuse(g);
        assertEquals(Map.of("relu", 1, "matmul", 2, "fused", 1), counts(f));
        assertEquals(Map.of("exp", 1, "tanh", 1, "neg", 1, "add", 1, "mul", 1), counts(TestPrograms.fused(f).get(0).body()));
    }

    // Exports, literals, dead groups ---------------------------------------------------------------

    @Test
    void aGroupExportsExactlyTheValuesReadOutsideIt() {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, H);
        Value w = b.parameter("w", F64, H, H);
        Value t = b.tanh(x);
        Value u = b.mul(t, b.exp(x)); // read by the product and by the result v
        Value v = b.add(u, x);
        Value z = b.matmul(u, w);
        Graph f = fuse(b.build("v", v, "z", z));
        Fused k = TestPrograms.fused(f).get(0);
        assertEquals(Map.of("tanh", 1, "exp", 1, "mul", 1, "add", 1), counts(k.body()));
        // u (for the product) and v (a result); t and exp(x) stay inside.
        assertEquals(2, k.body().results().size());
        Node fusedNode = only(TestPrograms.nodes(f, TestPrograms::isFused));
        Node mm = only(TestPrograms.nodes(f, n -> n.op().name().equals("matmul")));
        assertEquals(fusedNode.id(), mm.inputs().get(0).node());
    }

    @Test
    void literalsCopiedIntoAKernelAreNotAlsoEmittedOutside() {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, H);
        Value y = b.add(b.mul(b.tanh(x), b.scalar(0.5, F64)), b.fill(1, F64, B, H));
        Graph f = fuse(b.build("y", y));
        assertEquals(1, TestPrograms.fused(f).size());
        for (Node n : f.nodes()) {
            assertFalse(n.op() instanceof Constant || n.op() instanceof Fill, "literal " + n + " is emitted though only the kernel reads it: " + f);
        }
    }

    @Test
    void literalsThatAreResultsStay() {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, H);
        Value half = b.scalar(0.5, F64);
        Value y = b.mul(b.tanh(x), half);
        Graph f = fuse(b.build("y", y, "half", half));
        assertEquals(1, TestPrograms.nodes(f, n -> n.op() instanceof Constant).size());
    }

    @Test
    void literalsAlsoReadByAnOpOutsideEveryGroupStay() {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, H);
        Value half = b.scalar(0.5, F64);
        Value y = b.mul(b.tanh(x), half);
        Value s = b.sum(b.reshape(half, 1));
        Graph f = fuse(b.build("y", y, "s", s));
        assertEquals(1, TestPrograms.nodes(f, n -> n.op() instanceof Constant).size(), f.toString());
    }

    @Test
    void groupsNothingReadsAreDropped() {
        Builder b = new Builder();
        Value x = b.input("x", F64, B, H);
        Value w = b.parameter("w", F64, H, H);
        b.add(b.tanh(x), b.exp(x)); // unread
        Graph f = fuse(b.build("z", b.matmul(x, w)));
        assertEquals(Collections.emptyList(), TestPrograms.fused(f));
        assertTrue(f.nodes().stream().noneMatch(ElementwiseFusionTest::elementwise), f.toString());
    }
}
