package dev.spool.backend.cpu;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.Tensor;
import dev.spool.graph.internal.GraphPrinter;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Differential test of the optimising compiler on random graphs with scans ({@link RandomScanGraphs}):
 * for every seed, the forward graph and the gradient graph of its loss, compiled under each pipeline
 * variant (the same list as the nn module's fixture differential test: standard; verification only;
 * each optimising pass off in turn; fusion and memory planning only; unrolled fully and by 2 after
 * binding {@code T}), give the reference interpreter's results to 1e-9 relative (f64). A failure
 * names the seed, the variant and the result and prints the graph; reproduce one seed with
 * {@code RandomScanGraphs.generate(seed)}.
 */
class RandomScanGraphDifferentialTest {
    private static final int SEEDS = 40;
    private static final double TOL = 1e-9;

    @TestFactory
    Stream<DynamicTest> everyPipelineVariantMatchesTheReferenceOnRandomScanGraphs() {
        return LongStream.range(0, SEEDS).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            RandomScanGraphs.Case c = RandomScanGraphs.generate(seed);
            check(c.forward());
            check(c.gradient());
        }));
    }

    /**
     * The reference interpreter is the oracle above, so an autodiff bug it shares with the compiled
     * programs would pass there: the symbolic gradients are also checked against float64 central
     * finite differences of the forward graph's loss, element by element.
     */
    @TestFactory
    Stream<DynamicTest> gradientsOfRandomScanGraphsMatchFiniteDifferences() {
        return LongStream.range(0, SEEDS).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            RandomScanGraphs.Case c = RandomScanGraphs.generate(seed);
            GradientCheck.check(c.forward().graph(), "loss", c.forward().feeds(), c.wrt(), 1e-6, Pipeline.named(List.of("verify"), 0));
        }));
    }

    /** Runs every variant on the problem and fails with all disagreeing variants listed and the graph printed. */
    static void check(RandomScanGraphs.Problem p) {
        Map<String, Tensor> want = CpuBackend.reference(p.graph()).run(p.feeds());
        List<String> failures = new ArrayList<>();
        for (var v : Pipeline.variants().entrySet()) {
            String where = p.name() + " [" + v.getKey() + "]";
            Map<String, Tensor> got;
            try {
                got = CpuBackend.compile(p.graph(), v.getValue()).run(p.feeds());
            } catch (RuntimeException e) {
                failures.add(where + ": " + e);
                continue;
            }
            if (!got.keySet().equals(want.keySet())) {
                failures.add(where + ": results " + got.keySet() + ", expected " + want.keySet());
                continue;
            }
            for (String k : want.keySet()) {
                String diff = difference(want.get(k), got.get(k));
                if (diff != null) {
                    failures.add(where + " result " + k + ": " + diff);
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures) + "\n" + p.name() + " graph (T=" + p.steps() + "):\n" + GraphPrinter.print(p.graph()));
        }
    }

    /** Null when equal to TOL relative (to max(1, |expected|)), else what differs. */
    private static String difference(Tensor expected, Tensor actual) {
        if (!Arrays.equals(expected.shape(), actual.shape()) || expected.dtype() != actual.dtype()) {
            return "type " + actual.dtype() + Arrays.toString(actual.shape()) + ", expected " + expected.dtype()
                    + Arrays.toString(expected.shape());
        }
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.getDouble(i);
            double a = actual.getDouble(i);
            double err = Math.abs(a - e) / Math.max(1, Math.abs(e));
            if (!(err <= TOL)) {
                return "element " + i + " is " + a + ", expected " + e + " (relative error " + err + ")";
            }
        }
        return null;
    }
}
