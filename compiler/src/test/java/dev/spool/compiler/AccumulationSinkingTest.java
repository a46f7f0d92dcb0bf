package dev.spool.compiler;

import dev.spool.compiler.Accumulators.Decision;
import dev.spool.compiler.Accumulators.Keep;
import dev.spool.compiler.Accumulators.Sink;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden tests of the {@code sink} pass: a tiny scan is built, printed before and after
 * {@code sink} then {@code dce}, and compared with {@code src/test/resources/golden/sink/<name>.txt}.
 * After an intended change of the printed IR, regenerate the files and review the diff:
 * <pre>
 * mvn -o -q -pl compiler -am test -Dtest=AccumulationSinkingTest -Dsurefire.failIfNoSpecifiedTests=false -Dspool.golden.update=true
 * </pre>
 */
class AccumulationSinkingTest {

    /** h' = tanh(x W^T + h U^T), acc' = acc + h'^T x_t from zeros: the LSTM-style weight gradient. */
    private static Graph outerProductAccumulator() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 3);
        Value w = b.parameter("w", F64, 4, 3);
        Value u = b.parameter("u", F64, 4, 4);
        ScanOptions opts = ScanOptions.DEFAULT.carryNames("h", "acc");
        ScanResult r = b.scan(opts, List.of(b.zeros(F64, "B", 4), b.zeros(F64, 4, 3)), List.of(x), (c, s) -> {
            Value h = b.tanh(b.add(b.linear(s.get(0), w, null), b.linear(c.get(0), u, null)));
            Value acc = b.add(c.get(1), b.matmul(h, s.get(0), true, false));
            return Step.of(List.of(h, acc), List.of());
        });
        return b.build("h", r.carries().get(0), "acc", r.carries().get(1));
    }

    /** A reverse scan with a bias-gradient-like acc' = acc + reduce_sum(h', [0]) from a given initial value. */
    private static Graph rowSumAccumulator() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 4);
        Value acc0 = b.input("acc0", F64, 4);
        ScanOptions opts = ScanOptions.DEFAULT.carryNames("h", "acc").reverse();
        ScanResult r = b.scan(opts, List.of(b.zeros(F64, "B", 4), acc0), List.of(x), (c, s) -> {
            Value h = b.tanh(b.add(s.get(0), c.get(0)));
            Value acc = b.add(c.get(1), b.sum(h, 0));
            return Step.of(List.of(h, acc), List.of(h));
        });
        return b.build("y", r.outputs().get(0), "acc", r.carries().get(1));
    }

    /** Accumulators the pass must leave alone: elementwise, loop-invariant, and read by the step. */
    private static Graph keptAccumulators() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 4);
        Value u = b.parameter("u", F64, 4, 4);
        ScanOptions opts = ScanOptions.DEFAULT.carryNames("h", "elementwise", "invariant", "read");
        List<Value> init = List.of(b.zeros(F64, "B", 4), b.zeros(F64, "B", 4), b.zeros(F64, 4, 4), b.zeros(F64, 4, 4));
        ScanResult r = b.scan(opts, init, List.of(x), (c, s) -> {
            Value h = b.tanh(b.add(s.get(0), b.matmul(c.get(0), c.get(3))));
            return Step.of(List.of(h, b.add(c.get(1), h), b.add(c.get(2), b.matmul(u, u, true, false)),
                    b.add(c.get(3), b.matmul(h, h, true, false))), List.of());
        });
        return b.build("elementwise", r.carries().get(1), "invariant", r.carries().get(2), "read", r.carries().get(3));
    }

    @Test
    void outerProductAccumulatorBecomesOneGemmOverAllRows() {
        assertGolden("outer_product", outerProductAccumulator());
    }

    @Test
    void rowSumAccumulatorBecomesOneReductionAddedToItsInitialValue() {
        assertGolden("row_sum", rowSumAccumulator());
    }

    @Test
    void otherAccumulatorsStayInTheLoop() {
        assertGolden("kept", keptAccumulators());
    }

    @Test
    void decisionsNameTheTermsAndTheReasons() {
        List<Decision> sunk = Accumulators.of(scanOf(outerProductAccumulator()));
        assertInstanceOf(Keep.class, sunk.get(0));
        Sink acc = assertInstanceOf(Sink.class, sunk.get(1));
        assertInstanceOf(Accumulators.Term.Outer.class, acc.terms().get(0));
        List<Decision> kept = Accumulators.of(scanOf(keptAccumulators()));
        assertTrue(kept.stream().allMatch(d -> d instanceof Keep), kept.toString());
        assertTrue(((Keep) kept.get(1)).reason().startsWith("contribution"), kept.get(1).toString());
        assertTrue(((Keep) kept.get(2)).reason().startsWith("contribution"), kept.get(2).toString());
        assertEquals("the accumulator is read by more than its own update", ((Keep) kept.get(3)).reason());
    }

    @Test
    void maskedScansKeepTheirAccumulators() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 4);
        Value len = b.input("len", I64, "B");
        ScanResult r = b.scan(ScanOptions.DEFAULT.lengths(len), List.of(b.zeros(F64, "B", 4)), List.of(x), (c, s) -> {
            Value square = b.matmul(s.get(0), s.get(0), false, true); // (B, B): a batch-first factor
            return Step.of(List.of(b.add(c.get(0), b.matmul(square, s.get(0), true, false))), List.of());
        });
        Graph g = b.build("acc", r.carries().get(0));
        Keep keep = assertInstanceOf(Keep.class, Accumulators.of(scanOf(g)).get(0));
        assertTrue(keep.reason().contains("masked"), keep.reason());
        Graph after = new AccumulationSinking().run(g);
        Verifier.verify(after);
        assertEquals(1, scanOf(after).numCarries());
    }

    @Test
    void rewrittenGraphsVerify() {
        for (Graph g : List.of(outerProductAccumulator(), rowSumAccumulator(), keptAccumulators())) {
            Verifier.verify(new AccumulationSinking().run(g));
        }
    }

    private static ScanOp scanOf(Graph g) {
        return g.nodes().stream().map(Node::op).filter(op -> op instanceof ScanOp).map(op -> (ScanOp) op).findFirst().orElseThrow();
    }

    private static void assertGolden(String name, Graph before) {
        Graph after = new DeadCodeElimination().run(new AccumulationSinking().run(before));
        Verifier.verify(after);
        String actual = "== before\n" + GraphPrinter.print(before) + "\n== after sink, dce\n" + GraphPrinter.print(after);
        Path file = Path.of(System.getProperty("basedir", "."), "src/test/resources/golden/sink", name + ".txt");
        try {
            if (Boolean.getBoolean("spool.golden.update")) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual, StandardCharsets.UTF_8);
            }
            assertTrue(Files.exists(file), "no golden file " + file + "; run with -Dspool.golden.update=true to create it");
            assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, "printed IR differs from " + file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
