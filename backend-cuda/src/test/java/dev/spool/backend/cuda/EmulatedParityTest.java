package dev.spool.backend.cuda;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.FeedBinding;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import dev.spool.nn.train.Initializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the generated kernels compute, without a GPU: every f32 fixture layer (each cell, forward
 * and gradients) and the anchor language models' training steps run through {@link HostEmulator}
 * (the generated CUDA C compiled for the host, driven step by step as the device plan drives it,
 * GEMMs through the row-major mapping) and agree with the CPU backend to 1e-4 relative; bad
 * lengths are reported with the CPU backend's message. Skipped where g++ is absent.
 */
class EmulatedParityTest {
    private static final double TOLERANCE = 1e-4;

    static boolean hasGpp() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "g++"))) {
                return true;
            }
        }
        System.out.println("EmulatedParityTest skipped: g++ is not on the PATH");
        return false;
    }

    private static Path fixtures() {
        String p = System.getProperty("spool.fixtures");
        return p != null ? Path.of(p) : Path.of("..", "fixtures");
    }

    record Run(String name, Graph graph, Map<String, Tensor> feeds) {
    }

    static List<Run> fixtureRuns() throws Exception {
        List<Run> runs = new ArrayList<>();
        for (JsonElement e : JsonParser.parseString(Files.readString(fixtures().resolve("index.json"))).getAsJsonArray()) {
            JsonObject c = e.getAsJsonObject();
            if (!c.get("dtype").getAsString().equals("f32")) {
                continue;
            }
            String name = c.get("case").getAsString();
            Path dir = fixtures().resolve(name);
            CellType cell = CellType.parse(c.get("cell").getAsString());
            boolean batchFirst = c.get("batch_first").getAsBoolean();
            Map<String, Tensor> weights = SafeTensors.read(dir.resolve("weights.safetensors"));
            Map<String, TensorType> types = new LinkedHashMap<>();
            weights.forEach((k, v) -> types.put(k, v.type()));
            RecurrentConfig cfg = RecurrentConfig.fromWeights(cell, types, c.get("layers").getAsInt(), c.get("bidirectional").getAsBoolean(),
                    batchFirst, DType.F32);
            Map<String, Tensor> inputs = SafeTensors.read(dir.resolve("inputs.safetensors"));
            Map<String, Tensor> feeds = new HashMap<>(weights);
            feeds.putAll(inputs);
            runs.add(new Run(name, RecurrentLayer.graph(cfg, inputs.containsKey("h0"), inputs.containsKey("lengths")), feeds));
            if (!Files.exists(dir.resolve("grad_inputs.safetensors"))) {
                continue;
            }
            Map<String, Tensor> grad = SafeTensors.read(dir.resolve("grad_inputs.safetensors"));
            Map<String, Tensor> gradFeeds = new HashMap<>(weights);
            gradFeeds.putAll(grad);
            int batch = grad.get("input").dim(batchFirst ? 0 : 1);
            int[] state = {cfg.layers() * cfg.directions(), batch, cfg.hiddenSize()};
            gradFeeds.putIfAbsent("h0", Tensor.zeros(DType.F32, state));
            if (cell.hasCellState()) {
                gradFeeds.putIfAbsent("c0", Tensor.zeros(DType.F32, state));
            }
            runs.add(new Run(name + " grad", RecurrentLayer.gradientGraph(cfg, grad.containsKey("lengths"), grad.containsKey("grad_h_n"),
                    grad.containsKey("grad_c_n")), gradFeeds));
        }
        return runs;
    }

    static List<Run> languageModelRuns() {
        List<Run> runs = new ArrayList<>();
        for (CellType cell : List.of(CellType.RNN, CellType.GRU, CellType.LSTM, CellType.MYRNN)) {
            RecurrentConfig rnn = new RecurrentConfig(cell, 28, 16, 1, false, false, DType.F32);
            LanguageModel lm = new LanguageModel(rnn);
            SplittableRandom rnd = new SplittableRandom(3);
            Map<String, Tensor> feeds = new HashMap<>(Initializer.recurrent(rnn, rnd));
            feeds.putAll(Initializer.linear("linear.", 16, 28, DType.F32, rnd));
            long[] tokens = new long[7 * 5];
            long[] targets = new long[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = rnd.nextInt(28);
                targets[i] = rnd.nextInt(28);
            }
            feeds.put("tokens", Tensor.ofLongs(new int[] {7, 5}, tokens));
            feeds.put("targets", Tensor.ofLongs(new int[] {7, 5}, targets));
            runs.add(new Run("lm " + cell.cliName() + " training step", lm.trainingGraph(7, 0), feeds));
        }
        return runs;
    }

    private static Map<String, Integer> dims(Graph g, Map<String, Tensor> feeds) {
        Map<String, Integer> dims = new HashMap<>();
        FeedBinding.bind(g, feeds, dims);
        return dims;
    }

    @Test
    void generatedKernelsMatchTheCpuBackendOnEveryFixtureAndTrainingStep() throws Exception {
        Assumptions.assumeTrue(hasGpp(), "g++ not found");
        List<Run> runs = new ArrayList<>(fixtureRuns());
        runs.addAll(languageModelRuns());
        HostEmulator emulator = new HostEmulator();
        List<Map<String, Tensor>> expected = new ArrayList<>();
        for (Run r : runs) {
            CudaProgram p = CudaBackend.compile(r.graph());
            emulator.add(r.name(), p.lowered(dims(p.graph(), r.feeds())), r.feeds());
            expected.add(CpuBackend.compile(r.graph()).run(r.feeds()));
        }
        List<HostEmulator.Outcome> outcomes = emulator.run();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            HostEmulator.Outcome o = outcomes.get(i);
            if (o.failure() != null) {
                failures.add(runs.get(i).name() + ": reported " + o.failure().getMessage());
                continue;
            }
            for (var e : expected.get(i).entrySet()) {
                Tensor got = o.results().get(e.getKey());
                assertArrayEquals(e.getValue().shape(), got.shape(), runs.get(i).name() + " " + e.getKey());
                double worst = 0;
                for (int k = 0; k < got.size(); k++) {
                    double x = e.getValue().getDouble(k);
                    double err = Math.abs(got.getDouble(k) - x) / Math.max(1, Math.abs(x));
                    worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
                }
                if (!(worst <= TOLERANCE)) {
                    failures.add(runs.get(i).name() + " " + e.getKey() + ": relative error " + worst);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + runs.size() + " programs differ:\n" + String.join("\n", failures));
        System.out.printf("emulated %d generated modules; all match the CPU backend within %.0e%n", runs.size(), TOLERANCE);
    }

    @Test
    void aLengthOutsideTheScanIsReportedAsTheCpuBackendReportsIt() throws Exception {
        Assumptions.assumeTrue(hasGpp(), "g++ not found");
        Run run = fixtureRuns().stream().filter(r -> r.name().equals("gru-l1-uni-tm-len-f32")).findFirst().orElseThrow();
        Map<String, Tensor> feeds = new HashMap<>(run.feeds());
        Tensor lengths = feeds.get("lengths");
        long[] bad = new long[lengths.size()];
        for (int i = 0; i < bad.length; i++) {
            bad[i] = lengths.getLong(i);
        }
        bad[1] = 9;
        feeds.put("lengths", Tensor.ofLongs(lengths.shape(), bad));
        String cpuMessage = null;
        try {
            CpuBackend.compile(run.graph()).run(feeds);
        } catch (InputException e) {
            cpuMessage = e.getMessage();
        }
        HostEmulator emulator = new HostEmulator();
        CudaProgram p = CudaBackend.compile(run.graph());
        emulator.add(run.name(), p.lowered(dims(p.graph(), feeds)), feeds);
        HostEmulator.Outcome o = emulator.run().get(0);
        assertTrue(o.failure() instanceof InputException, String.valueOf(o.failure()));
        assertEquals(cpuMessage, o.failure().getMessage());
        assertTrue(cpuMessage.contains("lengths[1] = 9 is outside [0, 5]"), cpuMessage);
    }

    @Test
    void validLengthsReportNothing() throws Exception {
        Assumptions.assumeTrue(hasGpp(), "g++ not found");
        Run run = fixtureRuns().stream().filter(r -> r.name().equals("lstm-l1-uni-tm-len-f32")).findFirst().orElseThrow();
        HostEmulator emulator = new HostEmulator();
        CudaProgram p = CudaBackend.compile(run.graph());
        emulator.add(run.name(), p.lowered(dims(p.graph(), run.feeds())), run.feeds());
        assertNull(emulator.run().get(0).failure());
    }
}
