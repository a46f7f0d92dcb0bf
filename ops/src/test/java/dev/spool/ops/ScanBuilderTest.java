package dev.spool.ops;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.GraphException;
import dev.spool.graph.Shape;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.graph.internal.Verifier;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.spool.graph.DType.F32;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScanBuilderTest {

    private static ScanOp onlyScan(Graph g) {
        return (ScanOp) g.nodes().stream().filter(n -> n.op() instanceof ScanOp).findFirst().orElseThrow().op();
    }

    @Test
    void freeVariablesBecomeInvariants() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 3);
        Value w = b.parameter("w", F32, 4, 3);
        Value h0 = b.zeros(F32, "B", 4);
        var r = b.scan(List.of(h0), List.of(x), (c, s) -> {
            Value h = b.tanh(b.add(b.linear(s.get(0), w, null), c.get(0)));
            return Step.of(List.of(h), List.of(h));
        });
        Graph g = b.build("y", r.outputs().get(0), "h", r.carries().get(0));
        Verifier.verify(g);
        ScanOp scan = onlyScan(g);
        assertEquals(1, scan.numInvariants());
        assertEquals(Source.Kind.INVARIANT, scan.body().source(scan.body().params().get(2)).kind());
        assertEquals(Shape.of("T", "B", 4), r.outputs().get(0).shape());
        assertEquals(Shape.of("B", 4), r.carries().get(0).shape());
    }

    @Test
    void nestedScansImportThroughEveryLevel() {
        var b = new Builder();
        Value xs = b.input("xs", F32, "T", "U", "B", 2);
        Value w = b.parameter("w", F32, 2, 2);
        Value zero = b.zeros(F32, "B", 2);
        var outer = b.scan(List.of(zero), List.of(xs), (c, s) -> {
            var inner = b.scan(List.of(c.get(0)), List.of(s.get(0)), (c2, s2) -> {
                Value h = b.add(c2.get(0), b.matmul(s2.get(0), w));
                return Step.of(List.of(h), List.of());
            });
            return Step.of(inner.carries(), List.of());
        });
        Graph g = b.build("h", outer.carries().get(0));
        Verifier.verify(g);
        ScanOp o = onlyScan(g);
        assertEquals(1, o.numInvariants(), "w enters the outer body as an invariant");
        ScanOp i = onlyScan(o.body());
        assertEquals(1, i.numInvariants(), "and from there the inner body");
        Node innerScanNode = o.body().nodes().stream().filter(n -> n.op() instanceof ScanOp).findFirst().orElseThrow();
        Value operand = innerScanNode.inputs().get(2);
        assertEquals(Source.Kind.INVARIANT, o.body().source(operand).kind());
    }

    @Test
    void carryMismatchNamesCarryShapesAndPath() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 3);
        Value h0 = b.input("h0", F32, "B", 4);
        Value w = b.parameter("w", F32, 5, 3);
        GraphException e = assertThrows(GraphException.class, () -> b.scan(ScanOptions.DEFAULT.carryNames("h"), List.of(h0), List.of(x),
                (c, s) -> Step.of(List.of(b.linear(s.get(0), w, null)), List.of())));
        assertEquals("scan#3", e.path());
        assertTrue(e.getMessage().contains("carry 'h': initial value is F32(B, 4) but the body returns F32(B, 5)"), e.getMessage());
    }

    @Test
    void namedCarriesAndOutputsReadByNameAndKeepPositions() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 3);
        Value w = b.parameter("w", F32, 4, 3);
        Value zero = b.zeros(F32, "B", 4);
        var r = b.scan(ScanOptions.DEFAULT, Map.of("h", zero, "c", zero, "n", zero), List.of(x), (s, xt) -> {
            Value c = b.add(s.get("c"), b.linear(xt.get(0), w, null));
            Value h = b.tanh(c);
            return Step.of(Map.of("h", h, "c", c, "n", s.get("n")), Map.of("y", h, "cell", c));
        });
        assertEquals(List.of("c", "h", "n"), r.carries().names(), "alphabetical without carryNames");
        assertEquals(List.of("cell", "y"), r.outputs().names());
        assertEquals(r.carries().get(1), r.carry("h"));
        assertEquals(r.outputs().get(1), r.output("y"));
        assertEquals(Shape.of("T", "B", 4), r.output("y").shape());
        Graph g = b.build("y", r.output("y"), "h", r.carry("h"));
        Verifier.verify(g);
        ScanOp scan = onlyScan(g);
        assertEquals("'h'", scan.carryName(1));
        // The body returned h (tanh) as carry 1 and as output 1.
        Graph body = scan.body();
        assertEquals(body.results().get(1), body.results().get(4));
    }

    @Test
    void carryNamesFixPositionsAndPositionalStepsStillWork() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 2);
        Value zero = b.zeros(F32, "B", 2);
        var opts = ScanOptions.DEFAULT.carryNames("h", "c").outputNames("y");
        var r = b.scan(opts, Map.of("c", zero, "h", zero), List.of(x), (s, xt) -> {
            assertEquals(s.get(0), s.get("h"));
            Value h = b.add(s.get("h"), xt.get(0));
            return Step.of(List.of(h, s.get("c")), List.of(h));
        });
        assertEquals(List.of("h", "c"), r.carries().names());
        assertEquals(r.outputs().get(0), r.output("y"));
        var e = assertThrows(IllegalArgumentException.class, () -> r.carry("state"));
        assertEquals("no value named 'state'; the names are [h, c]", e.getMessage());
    }

    @Test
    void aNamedStepMustReturnEveryCarryByItsName() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 2);
        Value zero = b.zeros(F32, "B", 2);
        GraphException e = assertThrows(GraphException.class, () -> b.scan(ScanOptions.DEFAULT, Map.of("h", zero, "c", zero), List.of(x),
                (s, xt) -> Step.of(Map.of("h", s.get("h"), "cell", s.get("c")), Map.of())));
        assertEquals("scan#2: the step returns carries named [cell, h] but the scan's carries are named [c, h]", e.getMessage());
    }

    @Test
    void aCarryReturnedTransposedIsRefusedInsteadOfFixingTheBatchDim() {
        // (4, B) for a (B, 4) carry used to unify B with 4 across the whole graph and fail only at
        // run time, as an input error about x.
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 3);
        Value w = b.parameter("w", F32, 4, 3);
        Value h0 = b.zeros(F32, "B", 4);
        GraphException e = assertThrows(GraphException.class, () -> b.scan(ScanOptions.DEFAULT.carryNames("h"), List.of(h0), List.of(x),
                (c, s) -> {
                    Value h = b.tanh(b.add(b.linear(s.get(0), w, null), c.get(0)));
                    return Step.of(List.of(b.transpose(h, 1, 0)), List.of(h));
                }));
        assertEquals("scan#3", e.path());
        assertEquals("scan#3: carry 'h': initial value is F32(B, 4) but the body returns F32(4, B);"
                + " a carry must keep its dtype and shape across steps", e.getMessage());
        assertEquals(Shape.of("T", "B", 3), b.typeOf(x).shape(), "B stays symbolic");
    }

    @Test
    void aTransposedCarryInANestedScanNamesTheInnerPath() {
        var b = new Builder();
        Value xs = b.input("xs", F32, "T", "U", "B", 2);
        Value zero = b.zeros(F32, "B", 2);
        GraphException e = assertThrows(GraphException.class, () -> b.scan(List.of(zero), List.of(xs), (c, s) -> {
            var inner = b.scan(List.of(c.get(0)), List.of(s.get(0)),
                    (c2, s2) -> Step.of(List.of(b.transpose(b.add(c2.get(0), s2.get(0)), 1, 0)), List.of()));
            return Step.of(inner.carries(), List.of());
        }));
        assertTrue(e.path().matches("scan#\\d+/body/scan#\\d+"), e.path());
        assertTrue(e.getMessage().contains("carry 'c0': initial value is F32(B, 2) but the body returns F32(2, B)"), e.getMessage());
    }

    @Test
    void errorsInsideABodyCarryTheNodePath() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 3);
        Value w = b.parameter("w", F32, 4, 7);
        GraphException e = assertThrows(GraphException.class, () -> b.scan(List.of(), List.of(x),
                (c, s) -> Step.of(List.of(), List.of(b.linear(s.get(0), w, null)))));
        assertTrue(e.path().matches("scan#2/body/matmul#\\d+"), e.path());
        assertTrue(e.getMessage().contains("K=3") && e.getMessage().contains("K=7"), e.getMessage());
    }

    @Test
    void lengthsNeedBatchFirstCarries() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", 5, 3);
        Value len = b.input("len", I64, 5);
        Value c = b.input("c", F32, 3, 5);
        GraphException e = assertThrows(GraphException.class, () -> b.scan(ScanOptions.DEFAULT.lengths(len), List.of(c), List.of(x),
                (cs, s) -> Step.of(cs, List.of())));
        assertTrue(e.getMessage().contains("batch dim 5 first in every carry and step output; carry 'c0' is F32(3, 5)"), e.getMessage());
    }

    @Test
    void lengthsDoNotBindASymbolicBatchToAnotherLeadingDim() {
        // A (3, B) step output used to unify B := 3 silently instead of being refused.
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 3);
        Value len = b.input("len", I64, "B");
        GraphException e = assertThrows(GraphException.class, () -> b.scan(ScanOptions.DEFAULT.lengths(len), List.of(), List.of(x),
                (cs, s) -> Step.of(List.of(), List.of(b.transpose(s.get(0), 1, 0)))));
        assertTrue(e.getMessage().contains("batch dim B first in every carry and step output; output 0 is F32(T, 3, B) and 3 is not known to equal the lengths' batch dim"), e.getMessage());
        assertEquals(Shape.of("B"), b.typeOf(len).shape(), "B stays unbound");
    }

    @Test
    void scanWithoutSequencesNeedsALength() {
        var b = new Builder();
        Value c = b.input("c", F32, 2);
        assertTrue(assertThrows(GraphException.class, () -> b.scan(List.of(c), List.of(), (cs, s) -> Step.of(cs, List.of())))
                .getMessage().contains("needs its length"));
        var r = b.scan(ScanOptions.DEFAULT.length(4), List.of(c), List.of(), (cs, s) -> Step.of(cs, List.of(cs.get(0))));
        assertEquals(Shape.of(4, 2), r.outputs().get(0).shape());
    }

    @Test
    void bodyValuesDoNotLeakOutOfTheScan() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", 2);
        Value[] leaked = new Value[1];
        b.scan(List.of(), List.of(x), (c, s) -> {
            leaked[0] = b.tanh(s.get(0));
            return Step.of(List.of(), List.of(leaked[0]));
        });
        assertTrue(assertThrows(GraphException.class, () -> b.tanh(leaked[0])).getMessage().contains("only visible through the scan's outputs"));
    }

    @Test
    void printerShowsTheBodyUnderTheScan() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 3);
        Value w = b.parameter("w", F32, 4, 3);
        var r = b.scan(ScanOptions.DEFAULT.reverse().carryNames("h"), List.of(b.zeros(F32, "B", 4)), List.of(x), (c, s) -> {
            Value h = b.tanh(b.add(b.linear(s.get(0), w, null), c.get(0)));
            return Step.of(List.of(h), List.of(h));
        });
        String text = b.build("y", r.outputs().get(0)).toString();
        String expected = """
                %0 = input["x"] : F32(T, B, 3)
                %1 = parameter["w"] : F32(4, 3)
                %2 = fill[0.0 F32(B, 4)] : F32(B, 4)
                (%3, %3.1) = scan[length=T carries=1 sequences=1 invariants=1 reverse] %2, %0, %1 : F32(B, 4), F32(T, B, 4)
                  body {
                    %4 = carry["h"] : F32(B, 4)
                    %5 = slice["s0"] : F32(B, 3)
                    %6 = invariant["w"] : F32(4, 3)
                    %7 = matmul[transB] %5, %6 : F32(B, 4)
                    %8 = add %7, %4 : F32(B, 4)
                    %9 = tanh %8 : F32(B, 4)
                    return carry0=%9, output0=%9
                  }
                return y=%3.1
                """;
        assertEquals(expected, text);
    }

    @Test
    void verifierReportsATamperedNodeWithItsPath() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", 3);
        var r = b.scan(List.of(), List.of(x), (c, s) -> Step.of(List.of(), List.of(b.tanh(s.get(0)))));
        Graph g = b.build("y", r.outputs().get(0));
        ScanOp scan = onlyScan(g);
        Graph body = scan.body();
        // Claim the tanh produces a (4) vector: the verifier must find the lie inside the body.
        List<Node> nodes = new java.util.ArrayList<>(body.nodes());
        Node tanh = nodes.get(nodes.size() - 1);
        nodes.set(nodes.size() - 1, new Node(tanh.id(), tanh.op(), tanh.inputs(), List.of(dev.spool.graph.TensorType.of(F32, 4))));
        Graph badBody = new Graph(nodes, body.params(), List.of(new Node(tanh.id(), tanh.op(), tanh.inputs(),
                List.of(dev.spool.graph.TensorType.of(F32, 4))).output(0)), body.resultNames());
        Node scanNode = g.nodes().get(g.nodes().size() - 1);
        ScanOp badScan = new ScanOp(badBody, 0, 1, 0, false, ScanOp.Masking.NONE, scan.length());
        Graph bad = new Graph(List.of(g.nodes().get(0), new Node(scanNode.id(), badScan, scanNode.inputs(), scanNode.outputs())),
                g.params(), g.results(), g.resultNames());
        GraphException e = assertThrows(GraphException.class, () -> Verifier.verify(bad));
        assertEquals("scan#1/body/tanh#3", e.path());
    }
}
