package dev.spool.backend.cpu;

import dev.spool.backend.cpu.codegen.KernelCompiler;
import dev.spool.runtime.internal.cpu.CpuExecutable;
import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.KernelExpression;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramText;
import dev.spool.program.internal.ProgramVerifier;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Program text format round-trips: print → parse → print gives the same text, the parsed
 * program verifies, and it runs to the same bits as the program it was printed from; for the
 * recurrent cells (forward and gradient, standard and reference pipelines) and random scan graphs.
 */
class ProgramTextRoundTripTest {

    @TestFactory
    Stream<DynamicTest> cellsForwardAndGradientRoundTrip() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Cell cell : Cell.values()) {
            for (boolean training : List.of(false, true)) {
                for (String pipeline : List.of("standard", "no passes", "unrolled by 2")) {
                    String name = cell + (training ? " gradient" : " forward") + " [" + pipeline + "]";
                    tests.add(DynamicTest.dynamicTest(name, () -> {
                        Graph g = RecurrentGraphs.graph(cell, DType.F32, 3, 5, training);
                        check(g, RecurrentGraphs.feeds(cell, DType.F32, 4, 2, 3, 5, 7), Pipeline.variants().get(pipeline));
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> randomScanGraphsRoundTrip() {
        return LongStream.range(0, 20).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            RandomScanGraphs.Case c = RandomScanGraphs.generate(seed);
            for (RandomScanGraphs.Problem p : List.of(c.forward(), c.gradient())) {
                check(p.graph(), p.feeds(), Pipeline.standard());
                check(p.graph(), p.feeds(), Pipeline.variants().get("no passes"));
            }
        }));
    }

    private static List<Instr.Kernel> kernels(List<Instr> code) {
        List<Instr.Kernel> out = new ArrayList<>();
        for (Instr i : code) {
            if (i instanceof Instr.Kernel k) {
                out.add(k);
            } else if (i instanceof Instr.Loop l) {
                out.addAll(kernels(l.body()));
            }
        }
        return out;
    }

    private static void check(Graph graph, Map<String, Tensor> feeds, Pipeline pipeline) {
        Map<String, Integer> dims = new HashMap<>();
        FeedBinding.bind(graph, feeds, dims);
        Program program = pipeline.compile(pipeline.run(graph), dims, CpuBackend.TARGET);
        String text = ProgramText.write(program);
        assertTrue(text.startsWith("spool-program " + ProgramText.VERSION + "\n"), text);
        Program parsed = ProgramText.read(text);
        assertEquals(text, ProgramText.write(parsed), "print → parse → print");
        // A read program keeps each kernel's text and builds its graph only on demand: built and
        // printed again, it gives the same text and the same count of operations.
        for (Instr.Kernel k : kernels(parsed.code())) {
            KernelExpression built = KernelExpression.of(k.expr());
            assertEquals(k.expression().text(), built.text(), "kernel text → graph → text");
            assertEquals(built.operations(), k.expression().operations(), "operations of " + built.text());
        }
        ProgramVerifier.verify(parsed, "parse");
        Map<String, Tensor> want = new CpuExecutable(program, null, KernelCompiler.INSTANCE).runChecked(feeds);
        Map<String, Tensor> got = new CpuExecutable(parsed, null, KernelCompiler.INSTANCE).runChecked(feeds);
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertTrue(Arrays.equals(want.get(k).toDoubles(), got.get(k).toDoubles()), k + " differs after the round trip");
        }
    }
}
