package dev.spool.compiler.lower;

import dev.spool.compiler.ElementwiseFusion;
import dev.spool.compiler.TestPrograms.Cell;
import dev.spool.compiler.TestPrograms;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Fused;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KernelSplit: each part, costed as its operations plus {@link KernelSplit#ACCESS_COST} per value
 * it loads and per value it stores (results and values later parts read), fits the budget unless it
 * is a single operation; the parts together compute the expression exactly once.
 */
class KernelSplitTest {
    private static final int A = KernelSplit.ACCESS_COST;

    private static boolean literal(Node n) {
        return n.op() instanceof Constant || n.op() instanceof Fill;
    }

    /** What a part really costs once it is a kernel. */
    private static int cost(KernelSplit.Part p) {
        return p.nodes().stream().mapToInt(KernelSplit::cost).sum() + A * (p.inputs().size() + p.outputs().size());
    }

    /** Checks the parts of expr under maxCost; returns them. */
    private static List<KernelSplit.Part> check(Graph expr, int maxCost) {
        List<KernelSplit.Part> parts = KernelSplit.parts(expr, maxCost);
        Set<Value> available = new HashSet<>(expr.params());
        Set<Integer> computed = new HashSet<>();
        for (KernelSplit.Part p : parts) {
            long ops = p.nodes().stream().filter(n -> !literal(n)).count();
            assertTrue(cost(p) <= maxCost || ops == 1, "part " + p.nodes() + " costs " + cost(p) + " > " + maxCost);
            Set<Value> local = new HashSet<>(p.inputs());
            Set<Value> read = new HashSet<>();
            for (Value in : p.inputs()) {
                assertTrue(available.contains(in), "part reads " + in + " before any part writes it");
            }
            for (Node n : p.nodes()) {
                for (Value in : n.inputs()) {
                    assertTrue(local.contains(in), n + " reads " + in + ", neither loaded nor computed by its part");
                    read.add(in);
                }
                if (!literal(n)) {
                    assertTrue(computed.add(n.id()), n + " is computed twice");
                }
                local.add(n.output(0));
            }
            for (Node n : p.nodes()) {
                if (literal(n)) {
                    assertTrue(read.contains(n.output(0)), "literal " + n + " is copied into a part that does not read it");
                }
            }
            available.addAll(p.outputs());
            p.expression(p.outputs()); // builds
        }
        for (Node n : expr.nodes()) {
            if (!(n.op() instanceof Source) && !literal(n)) {
                assertTrue(computed.contains(n.id()), n + " is computed by no part");
            }
        }
        for (Value r : expr.results()) {
            assertTrue(parts.stream().anyMatch(p -> p.outputs().contains(r)), "result " + r + " is written by no part");
        }
        return parts;
    }

    /** y1 = tanh x, y2 = exp x, y3 = -x, y5 = (y1 + y2) + y3: three values live across the adds. */
    private static Graph fanOut() {
        Builder b = new Builder();
        Value x = b.input("x", F64, 2, 4);
        Value y1 = b.tanh(x);
        Value y2 = b.exp(x);
        Value y3 = b.neg(x);
        return b.build("y", b.add(b.add(y1, y2), y3));
    }

    private static List<String> names(KernelSplit.Part p) {
        return p.nodes().stream().map(n -> n.op().name()).toList();
    }

    @Test
    void nodeCosts() {
        Builder b = new Builder();
        Value x = b.input("x", F64, 2);
        Graph g = b.build("s", b.sigmoid(x), "t", b.tanh(x), "m", b.mul(x, b.scalar(2, F64)), "f", b.fill(1, F64, 2));
        int[] costs = g.nodes().stream().mapToInt(KernelSplit::cost).toArray();
        // input, sigmoid (4: negate, exp, add, divide), tanh, constant, mul, fill
        assertEquals(List.of(0, 4, 1, 0, 1, 0), java.util.Arrays.stream(costs).boxed().toList());
    }

    @Test
    void unlimitedBudgetIsOnePart() {
        List<KernelSplit.Part> parts = check(fanOut(), Integer.MAX_VALUE);
        assertEquals(1, parts.size());
        // 5 ops, load x, store y.
        assertEquals(5 + 2 * A, cost(parts.get(0)));
    }

    @Test
    void aPartThatFitsWhenClosedIsKeptWhole() {
        // Whole expression: 5 ops + load x + store y = 9, although the prefix tanh, exp, neg would need
        // to store all three (3 ops + 4 accesses = 11).
        assertEquals(1, check(fanOut(), 9).size());
    }

    @Test
    void valuesReadByLaterPartsAreCountedAsStores() {
        // Budget 8. Hand-computed, cutting at the longest prefix that fits:
        //   [tanh, exp]: 2 ops + load x + store y1, y2 = 8 (adding neg makes 11, and the lower bound 11 at the end).
        //   [neg]: 1 + load x + store y3 = 5 (with the first add: 2 ops + 3 loads + 2 stores = 12).
        //   [add y1 y2]: 1 + 2 loads + 1 store = 7; [add . y3]: 1 + 2 loads + store y = 7.
        List<KernelSplit.Part> parts = check(fanOut(), 8);
        assertEquals(List.of(List.of("tanh", "exp"), List.of("neg"), List.of("add"), List.of("add")), parts.stream().map(KernelSplitTest::names).toList());
        assertEquals(List.of(8, 5, 7, 7), parts.stream().map(KernelSplitTest::cost).toList());
    }

    @Test
    void everyBudgetGivesPartsWithinIt() {
        for (int max = 1; max <= 20; max++) {
            check(fanOut(), max);
        }
    }

    @Test
    void literalsGoOnlyIntoPartsThatReadThem() {
        Builder b = new Builder();
        Value x = b.input("x", F64, 2, 4);
        Value two = b.scalar(2, F64);
        Value one = b.fill(1, F64, 2, 4);
        Value y = x;
        for (int i = 0; i < 6; i++) {
            y = b.tanh(y);
        }
        Graph g = b.build("y", b.add(b.mul(y, two), one));
        for (int max = 4; max <= 11; max++) { // 8 ops + load x + store y = 12 would be one part
            List<KernelSplit.Part> parts = check(g, max);
            assertTrue(parts.size() > 1);
        }
    }

    @Test
    void fusedCellBodiesSplitWithinBudget() {
        for (Cell cell : Cell.values()) {
            Graph f = new ElementwiseFusion().run(TestPrograms.cellStep(cell));
            for (Fused k : TestPrograms.fused(f)) {
                for (int max : new int[] {12, 24, 36, 60}) {
                    check(k.body(), max);
                }
            }
        }
    }
}
