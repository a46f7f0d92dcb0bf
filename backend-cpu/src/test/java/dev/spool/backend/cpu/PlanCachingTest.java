package dev.spool.backend.cpu;

import dev.spool.backend.cpu.codegen.KernelCompiler;
import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.program.internal.Program;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Caching in the CPU backend: a {@link CpuProgram} keeps one {@link CompiledPlan} per binding of its
 * symbolic dims (at most 8, least recently used evicted), and {@link KernelCompiler} compiles each
 * distinct kernel source once per JVM, shared across programs and shapes. Every run, cached or
 * not, must still compute the right values for its own shapes.
 */
class PlanCachingTest {

    private static void assertMatchesReference(Graph g, Map<String, Tensor> got, Map<String, Tensor> feeds, double tol) {
        Map<String, Tensor> want = CpuBackend.reference(g).run(feeds);
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) {
            double[] e = want.get(name).toDoubles();
            double[] a = got.get(name).toDoubles();
            assertEquals(e.length, a.length, name);
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), name + "[" + i + "]");
            }
        }
    }

    @Test
    void sameDimsReuseThePlanAndNewDimsGetTheirOwnWithCorrectResults() {
        Graph g = RecurrentGraphs.graph(Cell.LSTM, DType.F64, 3, 6, true);
        CpuProgram p = CpuBackend.compile(g);
        Map<String, Tensor> a = RecurrentGraphs.feeds(Cell.LSTM, DType.F64, 5, 2, 3, 6, 1);
        Map<String, Tensor> b = RecurrentGraphs.feeds(Cell.LSTM, DType.F64, 7, 4, 3, 6, 2);
        Map<String, Integer> dimsA = Map.of("T", 5, "B", 2);
        Map<String, Integer> dimsB = Map.of("T", 7, "B", 4);

        assertMatchesReference(g, p.run(a), a, 1e-11);
        Program planA = p.program(dimsA);
        assertMatchesReference(g, p.run(b), b, 1e-11);
        Program planB = p.program(dimsB);
        assertNotSame(planA, planB);
        // Back to the first shapes: the same plan, and its arena holds nothing stale from the others.
        assertMatchesReference(g, p.run(a), a, 1e-11);
        assertSame(planA, p.program(dimsA));
        assertSame(planB, p.program(dimsB));
        // Running twice with equal feeds gives equal results (no state carried between runs).
        Map<String, Tensor> first = p.run(b);
        Map<String, Tensor> second = p.run(b);
        for (String name : first.keySet()) {
            assertEquals(java.util.Arrays.toString(first.get(name).toDoubles()), java.util.Arrays.toString(second.get(name).toDoubles()), name);
        }
    }

    @Test
    void atMostEightPlansAreKeptLeastRecentlyUsedFirstOut() {
        var bld = new Builder();
        Value x = bld.input("x", DType.F32, "N");
        Graph g = bld.build("y", bld.tanh(bld.mul(x, bld.scalar(0.75, DType.F32))));
        CpuProgram p = CpuBackend.compile(g);
        Random rnd = new Random(3);
        Program[] plans = new Program[10];
        for (int n = 1; n <= 9; n++) {
            Tensor xt = RecurrentGraphs.random(rnd, DType.F32, 1, n);
            Map<String, Tensor> feeds = Map.of("x", xt);
            assertMatchesReference(g, p.run(feeds), feeds, 1e-6);
            plans[n] = p.program(Map.of("N", n));
        }
        // N=1 was the least recently used when N=9 came: evicted and rebuilt; N=2..9 are still cached.
        for (int n = 9; n >= 2; n--) {
            assertSame(plans[n], p.program(Map.of("N", n)), "N=" + n);
        }
        assertNotSame(plans[1], p.program(Map.of("N", 1)));
        Tensor xt = RecurrentGraphs.random(rnd, DType.F32, 1, 1);
        assertMatchesReference(g, p.run(Map.of("x", xt)), Map.of("x", xt), 1e-6);
    }

    @Test
    void kernelsAreCompiledOncePerSourceAcrossProgramsAndShapes() {
        // A constant no other test uses makes these kernels new to this JVM.
        var bld = new Builder();
        Value x = bld.input("x", DType.F64, "B", 9);
        Value y = bld.input("y", DType.F64, 9);
        Graph g = bld.build("z", bld.sub(bld.mul(bld.sigmoid(bld.add(x, y)), bld.scalar(0.318309886, DType.F64)), x));
        Random rnd = new Random(8);
        Map<String, Tensor> f3 = Map.of("x", RecurrentGraphs.random(rnd, DType.F64, 1, 3, 9), "y", RecurrentGraphs.random(rnd, DType.F64, 1, 9));
        Map<String, Tensor> f5 = Map.of("x", RecurrentGraphs.random(rnd, DType.F64, 1, 5, 9), "y", f3.get("y"));

        int before = KernelCompiler.compiled();
        CpuProgram first = CpuBackend.compile(g);
        assertMatchesReference(g, first.run(f3), f3, 1e-12);
        int afterFirst = KernelCompiler.compiled();
        assertEquals(true, afterFirst > before, "the first program compiled its new kernel");

        // Another batch size (a new plan, the same collapsed-layout source), and a second program
        // compiled from the same graph: no new kernels.
        assertMatchesReference(g, first.run(f5), f5, 1e-12);
        CpuProgram second = CpuBackend.compile(g);
        assertMatchesReference(g, second.run(f3), f3, 1e-12);
        assertMatchesReference(g, second.run(f5), f5, 1e-12);
        assertEquals(afterFirst, KernelCompiler.compiled());
        assertEquals(first.kernelSources(Map.of("B", 3)), second.kernelSources(Map.of("B", 5)));
    }
}
