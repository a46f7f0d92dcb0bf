package dev.spool.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.spool.backend.cuda.CudaBackend;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.CellType;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code spool gpu-selftest --out DIR}: the CUDA backend against the CPU backend on the PyTorch
 * fixture layers (every cell, forward and gradients, f32, relative error {@code |gpu - cpu| /
 * max(1, |cpu|)} at most 1e-4), then the anchor workloads and the custom cells timed on the GPU
 * (with and without CUDA-graph replay of the scan loops), side by side with PyTorch's timings from
 * {@code tools/bench_cuda.py} when {@code --torch} names its JSON. Writes {@code gpu-selftest.md}
 * and {@code gpu-selftest.json}; exit 1 if any parity check fails.
 */
@Command(name = "gpu-selftest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check the CUDA backend against the CPU backend and time the anchor workloads on the GPU.",
                "Parity on the fixture layers (forward and gradients), then the anchors and custom cells with and without CUDA graphs;",
                "writes DIR/gpu-selftest.md (one Markdown report) and DIR/gpu-selftest.json."},
        footer = {"", "Example:", "  python3 tools/bench_cuda.py --out torch.json && spool gpu-selftest --out report --torch torch.json"})
final class GpuSelftestCommand implements Callable<Integer> {
    static final double TOLERANCE = 1e-4;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the report.")
    Path out;

    @Option(names = "--fixtures", defaultValue = "fixtures", paramLabel = "DIR", description = "The PyTorch fixtures (default: ${DEFAULT-VALUE}).")
    Path fixtures;

    @Option(names = "--cases", defaultValue = "quick", paramLabel = "quick|all",
            description = "quick: two f32 cases per cell (one layer unidirectional without lengths; the widest with lengths); all: every f32 case.")
    String cases;

    @Option(names = "--torch", paramLabel = "FILE.json", description = "PyTorch's timings from tools/bench_cuda.py, for the ratios.")
    Path torch;

    @Option(names = "--steps", defaultValue = "20", description = "Timed steps per workload (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--no-timing", description = "Parity only.")
    boolean noTiming;

    @Option(names = "--device-backend", defaultValue = "cuda", hidden = true,
            description = "The backend under test; cpu runs the whole self-test without a GPU (a dry run of this command).")
    String deviceBackend;

    @Spec
    CommandSpec spec;

    /** One parity check: a fixture case's forward or gradient graph, worst relative error against the CPU and against PyTorch. */
    record Check(String name, int results, double worstVsCpu, String worstAt, double worstVsTorch, String error) {
        boolean passed() {
            return error == null && worstVsCpu <= TOLERANCE;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!cases.equals("quick") && !cases.equals("all")) {
            throw new ErrorReporter.UserError("--cases must be quick or all, got '" + cases + "'");
        }
        if (!Files.isRegularFile(fixtures.resolve("index.json"))) {
            throw new ErrorReporter.UserError("--fixtures " + fixtures + " has no index.json (run from the project root or name the fixtures directory)");
        }
        Backend underTest = Backend.check(deviceBackend);
        Files.createDirectories(out);
        PrintWriter o = spec.commandLine().getOut();
        String device = underTest == Backend.CUDA ? CudaBackend.probe() : "the CPU backend (dry run, no GPU)";
        o.printf("device: %s%n", device);
        long t0 = System.nanoTime();
        List<Check> checks = parity(o);
        double paritySeconds = (System.nanoTime() - t0) / 1e9;
        JsonObject torchTimes = torch == null || !Files.exists(torch) ? null : JsonParser.parseString(Files.readString(torch)).getAsJsonObject();
        Map<String, JsonObject> timings = new LinkedHashMap<>();
        write(device, checks, paritySeconds, timings, torchTimes);
        if (!noTiming) {
            // The report is rewritten after each suite, so a run cut short still leaves what it measured.
            for (String suite : List.of("anchors", "cells")) {
                for (boolean graphs : new boolean[] {false, true}) {
                    timings.put(suite + (graphs ? "+graphs" : ""), bench(o, suite, graphs));
                    write(device, checks, paritySeconds, timings, torchTimes);
                }
            }
        }
        o.printf("wrote %s%n", out.resolve("gpu-selftest.md"));
        long failed = checks.stream().filter(c -> !c.passed()).count();
        o.printf("parity: %d of %d checks within %.0e%n", checks.size() - failed, checks.size(), TOLERANCE);
        return failed == 0 ? 0 : 1;
    }

    private void write(String device, List<Check> checks, double paritySeconds, Map<String, JsonObject> timings, JsonObject torchTimes)
            throws IOException {
        OutputFiles.writeString(out.resolve("gpu-selftest.md"), report(device, checks, paritySeconds, timings, torchTimes));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("device", device);
        json.put("parity", checks);
        json.put("timings", timings);
        json.put("torch", torchTimes);
        OutputFiles.writeString(out.resolve("gpu-selftest.json"), new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
                .toJson(json) + "\n");
    }

    private boolean selected(JsonObject c) {
        if (!c.get("dtype").getAsString().equals("f32")) {
            return false;
        }
        if (cases.equals("all")) {
            return true;
        }
        String n = c.get("case").getAsString();
        return n.endsWith("-l1-uni-tm-nolen-f32") || n.endsWith("-l2-bi-bf-len-f32") || n.equals("myrnn-l1-uni-bf-len-f32");
    }

    private List<Check> parity(PrintWriter o) throws Exception {
        JsonArray index = JsonParser.parseString(Files.readString(fixtures.resolve("index.json"))).getAsJsonArray();
        List<Check> checks = new ArrayList<>();
        for (var e : index) {
            JsonObject c = e.getAsJsonObject();
            if (!selected(c)) {
                continue;
            }
            String name = c.get("case").getAsString();
            Path dir = fixtures.resolve(name);
            CellType cell = CellType.parse(c.get("cell").getAsString());
            int layers = c.get("layers").getAsInt();
            boolean bi = c.get("bidirectional").getAsBoolean();
            boolean batchFirst = c.get("batch_first").getAsBoolean();
            Map<String, Tensor> weights = SafeTensors.read(dir.resolve("weights.safetensors"));
            Map<String, TensorType> types = new LinkedHashMap<>();
            weights.forEach((k, v) -> types.put(k, v.type()));
            RecurrentConfig cfg = RecurrentConfig.fromWeights(cell, types, layers, bi, batchFirst, DType.F32);

            Map<String, Tensor> inputs = SafeTensors.read(dir.resolve("inputs.safetensors"));
            Map<String, Tensor> feeds = new HashMap<>(weights);
            feeds.putAll(inputs);
            Graph forward = RecurrentLayer.graph(cfg, inputs.containsKey("h0"), inputs.containsKey("lengths"));
            checks.add(check(o, name, forward, feeds, SafeTensors.read(dir.resolve("expected.safetensors"))));
            if (!Files.exists(dir.resolve("grad_inputs.safetensors"))) {
                continue;
            }

            Map<String, Tensor> gradInputs = SafeTensors.read(dir.resolve("grad_inputs.safetensors"));
            Graph gradient = RecurrentLayer.gradientGraph(cfg, gradInputs.containsKey("lengths"), gradInputs.containsKey("grad_h_n"),
                    gradInputs.containsKey("grad_c_n"));
            Map<String, Tensor> gradFeeds = new HashMap<>(weights);
            gradFeeds.putAll(gradInputs);
            int batch = gradInputs.get("input").dim(batchFirst ? 0 : 1);
            int[] state = {layers * cfg.directions(), batch, cfg.hiddenSize()};
            gradFeeds.putIfAbsent("h0", Tensor.zeros(DType.F32, state));
            if (cell.hasCellState()) {
                gradFeeds.putIfAbsent("c0", Tensor.zeros(DType.F32, state));
            }
            checks.add(check(o, name + " grad", gradient, gradFeeds, SafeTensors.read(dir.resolve("expected_grad.safetensors"))));
        }
        return checks;
    }

    private Check check(PrintWriter o, String name, Graph g, Map<String, Tensor> feeds, Map<String, Tensor> torchExpected) {
        Check c;
        try {
            Map<String, Tensor> cpu = Backend.CPU.compile(g, Pipeline.standard(), false).run(feeds);
            Map<String, Tensor> gpu = Backend.parse(deviceBackend).compile(g, Pipeline.standard(), false).run(feeds);
            double worst = 0;
            double worstTorch = 0;
            String at = "";
            for (var r : cpu.entrySet()) {
                Tensor gr = gpu.get(r.getKey());
                double err = relativeError(r.getValue(), gr);
                if (!(err <= worst)) {
                    worst = err;
                    at = r.getKey();
                }
                Tensor t = torchExpected.get(r.getKey());
                if (t != null && t.size() == gr.size()) {
                    worstTorch = Math.max(worstTorch, relativeError(t, gr));
                }
            }
            c = new Check(name, cpu.size(), worst, at, worstTorch, null);
        } catch (RuntimeException e) {
            StringWriter sw = new StringWriter();
            e.printStackTrace(new PrintWriter(sw));
            System.err.println(name + ": " + sw);
            c = new Check(name, 0, Double.NaN, "", Double.NaN, e.toString());
        }
        o.printf("%-34s %s  max rel. error vs CPU %.2e (%s), vs PyTorch %.2e%s%n", c.name(), c.passed() ? "ok  " : "FAIL", c.worstVsCpu(), c.worstAt(),
                c.worstVsTorch(), c.error() == null ? "" : "  " + c.error());
        o.flush();
        return c;
    }

    /** max over elements of |actual - expected| / max(1, |expected|); infinite for NaN or a shape mismatch. */
    static double relativeError(Tensor expected, Tensor actual) {
        if (actual == null || !Arrays.equals(expected.shape(), actual.shape())) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.getDouble(i);
            double err = Math.abs(actual.getDouble(i) - e) / Math.max(1, Math.abs(e));
            worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
        }
        return worst;
    }

    private JsonObject bench(PrintWriter o, String suite, boolean graphs) throws Exception {
        Path metrics = out.resolve("bench-" + suite + (graphs ? "-graphs" : "") + ".json");
        List<String> args = new ArrayList<>(List.of("bench", "--suite", suite, "--backend", deviceBackend, "--steps", Integer.toString(steps), "--warmup", "5",
                "--warmup-seconds", "1", "--metrics", metrics.toString()));
        if (graphs) {
            args.add("--cuda-graphs");
        }
        o.printf("spool %s%n", String.join(" ", args));
        o.flush();
        int code = Main.run(o, new PrintWriter(System.err, true), args.toArray(String[]::new));
        if (code != 0 || !Files.exists(metrics)) {
            JsonObject failed = new JsonObject();
            failed.addProperty("error", "spool bench exited " + code);
            return failed;
        }
        return JsonParser.parseString(Files.readString(metrics)).getAsJsonObject();
    }

    private static String ms(JsonObject o, String workload, String key) {
        if (o == null || !o.has(workload) || !o.getAsJsonObject(workload).has(key)) {
            return null;
        }
        return String.format("%.2f", o.getAsJsonObject(workload).get(key).getAsDouble());
    }

    private static String ratio(String num, String den) {
        return num == null || den == null ? "–" : String.format("%.2f", Double.parseDouble(num) / Double.parseDouble(den));
    }

    private static String cell(String s) {
        return s == null ? "–" : s;
    }

    private String report(String device, List<Check> checks, double paritySeconds, Map<String, JsonObject> timings, JsonObject torchTimes) {
        StringBuilder sb = new StringBuilder();
        sb.append("# spool gpu-selftest\n\n");
        sb.append("Device: ").append(device).append(torchTimes != null && torchTimes.has("torch") ? "; PyTorch " + torchTimes.get("torch").getAsString()
                + ", cuDNN " + torchTimes.get("cudnn").getAsString() : "").append("  \nDate: ")
                .append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append("\n\n");
        long failed = checks.stream().filter(c -> !c.passed()).count();
        sb.append("## Parity with the CPU backend\n\n");
        sb.append(String.format("%d of %d checks pass (f32; max over elements of |gpu - cpu| / max(1, |cpu|) <= %.0e; %.1f s including NVRTC)."
                + " The PyTorch column is the same error against the fixture's expected values.%n%n", checks.size() - failed, checks.size(), TOLERANCE,
                paritySeconds));
        sb.append("| case | results | max rel. error vs CPU | worst result | vs PyTorch | |\n|---|---|---|---|---|---|\n");
        for (Check c : checks) {
            sb.append(String.format("| %s | %d | %.2e | %s | %.2e | %s |%n", c.name(), c.results(), c.worstVsCpu(), c.worstAt(), c.worstVsTorch(),
                    c.passed() ? "ok" : "**FAIL** " + (c.error() == null ? "" : c.error().replace('|', '/'))));
        }
        if (timings.isEmpty()) {
            return sb.toString();
        }
        sb.append("\n## Timings on the GPU\n\n");
        boolean onDevice = deviceBackend.equals("cuda");
        sb.append("One training step (forward, backward, clip 1, SGD lr 1) and one forward pass, median of ").append(steps).append(" timed steps, in ms. ")
                .append(onDevice ? "Spool's training step runs the clip and the SGD update on the GPU too, the parameters staying there (only the"
                        + " batch goes up, only the loss and the gradient norm come back);"
                        : "Spool's step clips and updates on the host; in brackets after it: its compiled program alone;")
                .append(" \"graphs\" replays each scan loop as a captured CUDA graph. PyTorch (tools/bench_cuda.py): strict f32 (TF32 off),")
                .append(" and its defaults in brackets. Ratio = Spool / PyTorch strict (below 1: Spool faster).\n\n");
        sb.append("| workload | Spool train | Spool train, graphs | PyTorch train | train ratio (best Spool) | Spool inference | Spool inference, graphs"
                + " | PyTorch inference | inference ratio (best Spool) |\n|---|---|---|---|---|---|---|---|---|\n");
        List<String> names = new ArrayList<>();
        BenchCommand.ANCHORS.forEach(w -> names.add(w.name()));
        BenchCommand.CELLS.forEach(c -> names.add(c.name()));
        for (String w : names) {
            boolean anchor = BenchCommand.ANCHORS.stream().anyMatch(a -> a.name().equals(w));
            JsonObject plain = timings.get(anchor ? "anchors" : "cells");
            JsonObject graphs = timings.get(anchor ? "anchors+graphs" : "cells+graphs");
            String trainKey = "ms_per_step";
            String st = ms(plain, w, trainKey);
            String sg = ms(graphs, w, trainKey);
            String si = anchor ? ms(plain, w, "inference_ms_per_step") : null;
            String sig = anchor ? ms(graphs, w, "inference_ms_per_step") : null;
            String pt = ms(torchTimes, w, "train_ms");
            String ptd = ms(torchTimes, w, "train_ms_default");
            String pi = ms(torchTimes, w, "infer_ms");
            String pid = ms(torchTimes, w, "infer_ms_default");
            String bestTrain = best(st, sg);
            String bestInfer = best(si, sig);
            String program = ms(plain, w, "train_program_ms");
            String trainShown = program == null || onDevice ? cell(st) : st + " (" + program + ")";
            sb.append(String.format("| %s | %s | %s | %s%s | %s | %s | %s | %s%s | %s |%n", w, trainShown, cell(sg), cell(pt), ptd == null ? "" : " (" + ptd + ")",
                    ratio(bestTrain, pt), cell(si), cell(sig), cell(pi), pid == null ? "" : " (" + pid + ")", ratio(bestInfer, pi)));
        }
        sb.append("\nThe custom cells (gru-from-ops, myrnn) run in Spool through the same compiler as the built-in cells; in PyTorch they are")
                .append(" eager Python loops. The bench suite `cells` reports only training steps for them.\n");
        return sb.toString();
    }

    private static String best(String a, String b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Double.parseDouble(a) <= Double.parseDouble(b) ? a : b;
    }

}
