package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.GraphException;
import dev.spool.graph.Value;
import dev.spool.graph.internal.GraphPrinter;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Verifier;
import dev.spool.ops.Builder;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden tests of {@link Unroll}: a tiny graph, the pass, and the printed IR before and after,
 * compared with the checked-in text under {@code src/test/resources/golden/unroll/}. After an
 * intended change to the pass or the printer, regenerate the files with
 * {@code mvn -o -pl compiler test -Dtest=UnrollTest -Dspool.golden.update=true}
 * and review the diff before committing it.
 */
class UnrollTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden/unroll");

    /** s_t = s_{t-1} + x_t, emitting s_t, over x: (steps, B, 1). */
    private static Graph runningSum(Object steps, ScanOptions opts, boolean withLengths) {
        var b = new Builder();
        Value xs = b.input("x", F64, steps, "B", 1);
        if (withLengths) {
            opts = opts.lengths(b.input("lengths", I64, "B"));
        }
        var r = b.scan(opts.carryNames("s"), List.of(b.zeros(F64, "B", 1)), List.of(xs), (c, s) -> {
            Value next = b.add(c.get(0), s.get(0));
            return Step.of(List.of(next), List.of(next));
        });
        return b.build("final", r.carries().get(0), "ys", r.outputs().get(0));
    }

    @Test
    void fullUnrollOfAThreeStepRunningSum() {
        golden("full-3-steps", runningSum(3, ScanOptions.DEFAULT, false), Unroll.full());
    }

    @Test
    void unrollByTwoOfFiveStepsUnrollsTheLeftoverStepAfterTheChunks() {
        golden("by-2-of-5-steps", runningSum(5, ScanOptions.DEFAULT, false), new Unroll(2));
    }

    @Test
    void reverseUnrollByTwoOfFiveStepsWithLengthsRunsTheLeftoverStepLast() {
        golden("by-2-of-5-steps-reverse-lengths", runningSum(5, ScanOptions.DEFAULT.reverse(), true), new Unroll(2));
    }

    @Test
    void fullUnrollOfAMaskedScanSelectsRowsPerStep() {
        golden("full-2-steps-lengths", runningSum(2, ScanOptions.DEFAULT, true), Unroll.full());
    }

    @Test
    void zeroStepsLeaveTheInitialCarriesAndAnEmptyOutput() {
        golden("full-0-steps", runningSum(0, ScanOptions.DEFAULT, false), Unroll.full());
    }

    @Test
    void symbolicLengthIsRefusedNamingTheScan() {
        Graph g = runningSum("T", ScanOptions.DEFAULT, false);
        GraphException e = assertThrows(GraphException.class, () -> new Unroll(2).run(g));
        check("symbolic-length-refused", e.getMessage() + "\n");
        assertEquals("scan#2", e.path());
    }

    @Test
    void symbolicLengthOfANestedScanIsRefusedWithItsPath() {
        var b = new Builder();
        Value xs = b.input("xs", F64, 2, "U", "B", 1);
        var outer = b.scan(List.of(b.zeros(F64, "B", 1)), List.of(xs), (c, s) -> {
            var inner = b.scan(List.of(c.get(0)), List.of(s.get(0)), (c2, s2) -> Step.of(List.of(b.add(c2.get(0), s2.get(0))), List.of()));
            return Step.of(inner.carries(), List.of());
        });
        Graph g = b.build("total", outer.carries().get(0));
        GraphException e = assertThrows(GraphException.class, () -> Unroll.full().run(g));
        assertTrue(e.getMessage().startsWith("scan#2/body/scan#5: cannot unroll a scan of symbolic length U"), e.getMessage());
        // Where possible: the outer scan (length 2) is unrolled, the inner one stays a loop.
        Graph kept = Unroll.wherePossible(0).run(g);
        Verifier.verify(kept);
        List<ScanOp> scans = kept.nodes().stream().map(Node::op).filter(ScanOp.class::isInstance).map(ScanOp.class::cast).toList();
        assertEquals(2, scans.size(), kept.toString());
        assertTrue(scans.stream().allMatch(s -> s.length().toString().equals("U")), kept.toString());
    }

    @Test
    void wherePossibleKeepsASymbolicScan() {
        Graph g = runningSum("T", ScanOptions.DEFAULT, true);
        Graph kept = Unroll.wherePossible(2).run(g);
        Verifier.verify(kept);
        assertEquals(GraphPrinter.print(g), GraphPrinter.print(kept));
    }

    @Test
    void factorOneLeavesTheGraphAlone() {
        Graph g = runningSum(5, ScanOptions.DEFAULT, false);
        assertSame(g, new Unroll(1).run(g));
        assertThrows(IllegalArgumentException.class, () -> new Unroll(-1));
        assertEquals("unroll", Unroll.full().name());
    }

    /** Applies the pass, verifies its output, and compares the printed before/after with the golden file. */
    private static void golden(String name, Graph before, Pass pass) {
        Verifier.verify(before);
        Graph after = pass.run(before);
        Verifier.verify(after);
        check(name, "# before\n" + GraphPrinter.print(before) + "\n# after " + pass.name() + "\n" + GraphPrinter.print(after));
    }

    private static void check(String name, String actual) {
        Path file = GOLDEN.resolve(name + ".txt");
        try {
            if (Boolean.getBoolean("spool.golden.update")) {
                Files.createDirectories(GOLDEN);
                Files.writeString(file, actual, StandardCharsets.UTF_8);
                return;
            }
            assertTrue(Files.exists(file), "no golden file " + file.toAbsolutePath() + "; run with -Dspool.golden.update=true to create it");
            assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, "printed IR differs from " + file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
