package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.DoubleBinaryOperator;

import static dev.spool.graph.DType.BOOL;
import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Builder methods README lists (abs, square, reciprocal, minimum, pow, the comparisons) against java.lang.Math. */
class BuilderPointwiseOpsTest {
    private static final double[] X = {-2.5, -0.5, 0.75, 3};
    private static final double[] Y = {1.5, -1, 0.75, 2};

    private static Map<String, Tensor> run(Graph g) {
        return CpuBackend.compile(g).run(Map.of("x", Tensor.of(X, 4), "y", Tensor.of(Y, 4)));
    }

    private static void assertElementwise(Tensor t, DoubleBinaryOperator expected, String what) {
        for (int i = 0; i < X.length; i++) {
            assertEquals(expected.applyAsDouble(X[i], Y[i]), t.get(i), 1e-12, what + " at " + i);
        }
    }

    @Test
    void pointwiseOpsComputeWhatTheirNamesSay() {
        var b = new Builder();
        Value x = b.input("x", F64, 4);
        Value y = b.input("y", F64, 4);
        Graph g = b.build("abs", b.abs(x), "square", b.square(x), "reciprocal", b.reciprocal(x),
                "minimum", b.minimum(x, y), "maximum", b.maximum(x, y), "pow", b.pow(b.abs(x), y));
        Map<String, Tensor> r = run(g);
        assertElementwise(r.get("abs"), (a, c) -> Math.abs(a), "abs");
        assertElementwise(r.get("square"), (a, c) -> a * a, "square");
        assertElementwise(r.get("reciprocal"), (a, c) -> 1 / a, "reciprocal");
        assertElementwise(r.get("minimum"), Math::min, "minimum");
        assertElementwise(r.get("maximum"), Math::max, "maximum");
        assertElementwise(r.get("pow"), (a, c) -> Math.pow(Math.abs(a), c), "pow");
    }

    @Test
    void comparisonsAreBoolAndMatchJava() {
        var b = new Builder();
        Value x = b.input("x", F64, 4);
        Value y = b.input("y", F64, 4);
        Graph g = b.build("lt", b.less(x, y), "le", b.lessEqual(x, y), "gt", b.greater(x, y),
                "ge", b.greaterEqual(x, y), "eq", b.equal(x, y), "ne", b.notEqual(x, y));
        Map<String, Tensor> r = run(g);
        assertEquals(BOOL, r.get("lt").dtype());
        assertElementwise(r.get("lt"), (a, c) -> a < c ? 1 : 0, "less");
        assertElementwise(r.get("le"), (a, c) -> a <= c ? 1 : 0, "lessEqual");
        assertElementwise(r.get("gt"), (a, c) -> a > c ? 1 : 0, "greater");
        assertElementwise(r.get("ge"), (a, c) -> a >= c ? 1 : 0, "greaterEqual");
        assertElementwise(r.get("eq"), (a, c) -> a == c ? 1 : 0, "equal");
        assertElementwise(r.get("ne"), (a, c) -> a != c ? 1 : 0, "notEqual");
    }
}
