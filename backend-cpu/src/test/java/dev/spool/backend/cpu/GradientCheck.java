package dev.spool.backend.cpu;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.ops.Grad;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Compares symbolic gradients with float64 central finite differences of the same graph. */
final class GradientCheck {
    private GradientCheck() {
    }

    static void check(Graph g, String loss, Map<String, Tensor> feeds, List<String> wrt, double tol) {
        check(g, loss, feeds, wrt, tol, Pipeline.standard());
    }

    /** As above, with the gradient graph compiled through {@code pipeline}. */
    static void check(Graph g, String loss, Map<String, Tensor> feeds, List<String> wrt, double tol, Pipeline pipeline) {
        Graph withGrads = Grad.of(g, loss, wrt);
        Map<String, Tensor> analytic = CpuBackend.compile(withGrads, pipeline).run(feeds);
        CpuProgram forward = CpuBackend.compile(g);
        double eps = 1e-6;
        for (String name : wrt) {
            Tensor x = feeds.get(name);
            Tensor grad = analytic.get("grad." + name);
            assertEquals(java.util.Arrays.toString(x.shape()), java.util.Arrays.toString(grad.shape()), "grad." + name + " shape");
            for (int i = 0; i < x.size(); i++) {
                double numeric = (lossAt(forward, feeds, loss, name, i, eps) - lossAt(forward, feeds, loss, name, i, -eps)) / (2 * eps);
                double got = grad.getDouble(i);
                double err = Math.abs(got - numeric) / Math.max(1, Math.abs(numeric));
                if (!(err <= tol)) {
                    throw new AssertionError("grad." + name + "[" + i + "]: symbolic " + got + " vs finite difference " + numeric
                            + " (relative error " + err + " > " + tol + ")");
                }
            }
        }
    }

    private static double lossAt(CpuProgram p, Map<String, Tensor> feeds, String loss, String name, int i, double delta) {
        Map<String, Tensor> f = new HashMap<>(feeds);
        Tensor x = feeds.get(name).copy();
        x.setDouble(i, x.getDouble(i) + delta);
        f.put(name, x);
        return p.run(f).get(loss).getDouble(0);
    }
}
