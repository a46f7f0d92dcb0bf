package dev.spool.benchmarks.inference;

import com.google.gson.Gson;
import dev.spool.graph.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks and times ONNX Runtime for Java and Spool on the anchor inference workloads that
 * {@code tools/export_onnx.py} wrote; {@code tools/bench_inference.py} runs it next to PyTorch.
 *
 * <pre>
 * CP="benchmarks/target/benchmarks.jar:benchmarks/target/lib/*"
 * java --add-modules jdk.incubator.vector -cp "$CP" dev.spool.benchmarks.inference.InferenceComparison check DIR NAME...
 * java --add-modules jdk.incubator.vector -cp "$CP" dev.spool.benchmarks.inference.InferenceComparison time ort|spool|spool-program DIR
 *      [--repeat 5] [--warmup 10] [--warmup-seconds 6] NAME...
 * </pre>
 *
 * {@code check} runs ONNX Runtime (intra-op threads 1 and 2), Spool's compiled program and, when
 * {@code NAME.spool} is there, Spool's loaded artifact once on each workload's tokens and compares
 * the logits with PyTorch's: every element within {@value #TOLERANCE}·max(1, |torch|), else exit 1.
 * {@code time} prints one JSON object {@code {NAME: {"ms": median ms per forward pass, "setting":
 * ..., "ms_by_setting": {...}}}}: ONNX Runtime at intra-op threads 1 and 2 (the faster counts),
 * Spool's loaded artifact ({@code spool}) or the logits program as {@code spool bench} compiles it
 * ({@code spool-program}); each first checks its output as {@code check} does. Bad arguments: one
 * line on stderr, exit 2.
 */
public final class InferenceComparison {
    /** Largest accepted |ours − PyTorch| / max(1, |PyTorch|) of a logit. */
    static final double TOLERANCE = 1e-5;
    private static final int[] ORT_THREADS = {1, 2};

    private InferenceComparison() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(List.of(args)));
        } catch (IllegalArgumentException e) {
            System.err.println("InferenceComparison: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("expected 'check DIR NAME...' or 'time ort|spool|spool-program DIR [options] NAME...', got nothing");
        }
        return switch (args.get(0)) {
            case "check" -> check(args.subList(1, args.size()));
            case "time" -> time(args.subList(1, args.size()));
            default -> throw new IllegalArgumentException("expected the command 'check' or 'time', got '" + args.get(0) + "'");
        };
    }

    private static int check(List<String> args) {
        if (args.size() < 2) {
            throw new IllegalArgumentException("check needs DIR and at least one workload NAME, got " + args);
        }
        Path dir = Path.of(args.get(0));
        boolean ok = true;
        for (String name : args.subList(1, args.size())) {
            InferenceWorkload w = InferenceWorkload.load(dir, name);
            List<InferenceRuntime> runtimes = new ArrayList<>();
            for (int threads : ORT_THREADS) {
                runtimes.add(OnnxRuntimeInference.open(w, threads));
            }
            runtimes.add(SpoolProgramInference.compile(w));
            if (Files.isRegularFile(dir.resolve(name + ".spool"))) {
                runtimes.add(SpoolArtifactInference.load(w));
            } else {
                System.out.printf("%-20s no %s.spool: the loaded artifact is not checked%n", name, name);
            }
            for (InferenceRuntime r : runtimes) {
                try (r) {
                    double error = relativeError(r.logits(w.tokens()), w.referenceLogits());
                    ok &= error <= TOLERANCE;
                    System.out.printf("%-20s %-40s max |ours - torch| / max(1, |torch|) = %.2e %s%n", name, r.describe(), error,
                            error <= TOLERANCE ? "ok" : "OVER " + TOLERANCE);
                }
            }
        }
        return ok ? 0 : 1;
    }

    private static int time(List<String> args) {
        if (args.size() < 3 || !List.of("ort", "spool", "spool-program").contains(args.get(0))) {
            throw new IllegalArgumentException("time needs 'ort', 'spool' or 'spool-program', DIR and at least one workload NAME, got " + args);
        }
        String kind = args.get(0);
        Path dir = Path.of(args.get(1));
        int repeat = 5;
        int warmup = 10;
        double warmupSeconds = 6;
        List<String> names = new ArrayList<>();
        for (int i = 2; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--repeat" -> repeat = intOption(a, args, ++i);
                case "--warmup" -> warmup = intOption(a, args, ++i);
                case "--warmup-seconds" -> warmupSeconds = doubleOption(a, args, ++i);
                default -> {
                    if (a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option '" + a + "'; expected --repeat, --warmup or --warmup-seconds");
                    }
                    names.add(a);
                }
            }
        }
        MedianTimer timer = new MedianTimer(warmup, warmupSeconds, repeat);
        Map<String, Object> report = new LinkedHashMap<>();
        for (String name : names) {
            InferenceWorkload w = InferenceWorkload.load(dir, name);
            Map<String, Double> bySetting = new LinkedHashMap<>();
            switch (kind) {
                case "ort" -> {
                    for (int threads : ORT_THREADS) {
                        bySetting.put("intra-op " + threads, timeChecked(OnnxRuntimeInference.open(w, threads), w, timer));
                    }
                }
                case "spool" -> bySetting.put("artifact", timeChecked(SpoolArtifactInference.load(w), w, timer));
                default -> bySetting.put("program", timeChecked(SpoolProgramInference.compile(w), w, timer));
            }
            Map.Entry<String, Double> best = bySetting.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow();
            report.put(name, Map.of("ms", best.getValue(), "setting", best.getKey(), "ms_by_setting", bySetting));
            System.err.printf("%-6s %-20s %s%n", args.get(0), name, bySetting);
        }
        System.out.println(new Gson().toJson(report));
        return 0;
    }

    /** Median ms of a forward pass, after checking the runtime's logits against PyTorch's once. */
    private static double timeChecked(InferenceRuntime runtime, InferenceWorkload w, MedianTimer timer) {
        try (runtime) {
            double error = relativeError(runtime.logits(w.tokens()), w.referenceLogits());
            if (error > TOLERANCE) {
                throw new IllegalStateException(w.name() + ": " + runtime.describe() + " differs from PyTorch by " + error
                        + " (relative), over " + TOLERANCE);
            }
            return timer.medianMs(() -> runtime.logits(w.tokens()));
        }
    }

    /** The largest |a − ref| / max(1, |ref|) over the elements; the shapes must agree. */
    static double relativeError(Tensor a, Tensor ref) {
        if (!Arrays.equals(a.shape(), ref.shape())) {
            throw new IllegalStateException("logits of shape " + Arrays.toString(a.shape()) + ", PyTorch's are " + Arrays.toString(ref.shape()));
        }
        double worst = 0;
        for (int i = 0; i < ref.size(); i++) {
            double r = ref.getDouble(i);
            worst = Math.max(worst, Math.abs(a.getDouble(i) - r) / Math.max(1, Math.abs(r)));
        }
        return worst;
    }

    private static String option(String name, List<String> args, int i) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args.get(i);
    }

    private static double doubleOption(String name, List<String> args, int i) {
        String v = option(name, args, i);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " expects a number, got '" + v + "'");
        }
    }

    private static int intOption(String name, List<String> args, int i) {
        String v = option(name, args, i);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " expects an integer, got '" + v + "'");
        }
    }
}
