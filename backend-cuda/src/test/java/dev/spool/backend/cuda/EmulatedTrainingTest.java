package dev.spool.backend.cuda;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.backend.cpu.FeedBinding;
import dev.spool.graph.Tensor;
import dev.spool.nn.train.GradientClipping;
import dev.spool.nn.train.Sgd;
import dev.spool.program.internal.MemoryPlanner;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training with the parameters kept on the device, without a GPU: the language models' training
 * programs followed by the generated clip and SGD update ({@link SgdUpdate}), run five times on
 * one arena through {@link HostEmulator}, leave the parameters that five host steps leave (the CPU
 * backend's program, {@link GradientClipping#clipGlobalNorm} and {@link Sgd#step}), within f32
 * tolerance, with clipping in force and without it. Skipped where g++ is absent.
 */
class EmulatedTrainingTest {
    private static final double TOLERANCE = 1e-4;
    private static final int STEPS = 5;

    private static List<String> parameters(EmulatedParityTest.Run run) {
        return run.graph().resultNames().stream().filter(n -> n.startsWith("grad.")).map(n -> n.substring(5)).toList();
    }

    /** The host's training loop, as {@code spool bench} runs it on the CPU backend; returns the parameters and the last loss. */
    private static Map<String, Tensor> hostSteps(EmulatedParityTest.Run run, double maxNorm, double lr, double[] lastLoss) {
        CpuProgram cpu = CpuBackend.compile(run.graph());
        Map<String, Tensor> params = new LinkedHashMap<>();
        parameters(run).forEach(n -> params.put(n, run.feeds().get(n).copy()));
        Sgd sgd = new Sgd(lr, 0, 0);
        for (int s = 0; s < STEPS; s++) {
            Map<String, Tensor> feeds = new HashMap<>(run.feeds());
            feeds.putAll(params);
            Map<String, Tensor> r = cpu.run(feeds);
            Map<String, Tensor> grads = new HashMap<>();
            params.keySet().forEach(k -> grads.put(k, r.get("grad." + k)));
            if (maxNorm > 0) {
                GradientClipping.clipGlobalNorm(grads, maxNorm);
            }
            sgd.step(params, grads);
            lastLoss[0] = r.get("loss").getDouble(0);
        }
        return params;
    }

    @Test
    void fiveDeviceStepsOfClipAndSgdLeaveTheParametersOfFiveHostSteps() throws Exception {
        Assumptions.assumeTrue(EmulatedParityTest.hasGpp(), "g++ not found");
        // maxNorm 0.05 clips every step of these models (their gradient norms are above 0.3); 0 turns clipping off.
        double[][] settings = {{0.05, 0.5}, {0, 0.1}};
        HostEmulator emulator = new HostEmulator();
        List<String> names = new ArrayList<>();
        List<Map<String, Tensor>> expected = new ArrayList<>();
        List<Double> expectedLoss = new ArrayList<>();
        for (double[] setting : settings) {
            for (EmulatedParityTest.Run run : EmulatedParityTest.languageModelRuns()) {
                CudaProgram p = CudaBackend.compile(run.graph());
                Map<String, Integer> dims = new HashMap<>();
                FeedBinding.bind(p.graph(), run.feeds(), dims);
                SgdUpdate.Rule rule = new SgdUpdate.Rule(parameters(run), setting[0], setting[1]);
                emulator.addTraining(run.name(), p.lowered(dims), run.feeds(), rule, STEPS);
                names.add(run.name() + ", maxNorm " + setting[0] + ", lr " + setting[1]);
                double[] loss = new double[1];
                expected.add(hostSteps(run, setting[0], setting[1], loss));
                expectedLoss.add(loss[0]);
            }
        }
        List<HostEmulator.Outcome> outcomes = emulator.run();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            HostEmulator.Outcome o = outcomes.get(i);
            assertNull(o.failure(), names.get(i));
            double worst = 0;
            String where = "";
            for (var e : expected.get(i).entrySet()) {
                Tensor got = o.parameters().get(e.getKey());
                for (int k = 0; k < got.size(); k++) {
                    double x = e.getValue().getDouble(k);
                    double err = Math.abs(got.getDouble(k) - x) / Math.max(1, Math.abs(x));
                    if (!(err <= worst)) {
                        worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                        where = e.getKey();
                    }
                }
            }
            double loss = o.results().get("loss").getDouble(0);
            if (!(worst <= TOLERANCE) || !(Math.abs(loss - expectedLoss.get(i)) <= TOLERANCE * Math.max(1, expectedLoss.get(i)))) {
                failures.add(names.get(i) + ": parameter error " + worst + " (" + where + "), last loss " + loss + " vs " + expectedLoss.get(i));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        System.out.printf("emulated %d device trainings of %d steps; parameters match the host's clip + SGD within %.0e%n", names.size(), STEPS,
                TOLERANCE);
    }

    @Test
    void theParametersMoveSoTheComparisonCanFail() {
        EmulatedParityTest.Run run = EmulatedParityTest.languageModelRuns().get(1);
        Map<String, Tensor> after = hostSteps(run, 0.05, 0.5, new double[1]);
        double moved = 0;
        for (var e : after.entrySet()) {
            Tensor before = run.feeds().get(e.getKey());
            for (int k = 0; k < before.size(); k++) {
                moved = Math.max(moved, Math.abs(before.getDouble(k) - e.getValue().getDouble(k)));
            }
        }
        assertTrue(moved > 10 * TOLERANCE, "five steps moved the parameters by at most " + moved);
    }

    @Test
    void anUpdateForAParameterWithoutAGradientIsRefusedNamingIt() {
        EmulatedParityTest.Run run = EmulatedParityTest.languageModelRuns().get(0);
        CudaProgram p = CudaBackend.compile(run.graph());
        Map<String, Integer> dims = new HashMap<>();
        FeedBinding.bind(p.graph(), run.feeds(), dims);
        MemoryPlanner.Plan memory = MemoryPlanner.plan(p.lowered(dims), true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SgdUpdate.generate(memory, new SgdUpdate.Rule(List.of("tokens"), 1, 1), 0));
        assertTrue(e.getMessage().contains("'grad.tokens'"), e.getMessage());
    }
}
