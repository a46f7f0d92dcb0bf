package dev.spool.cli;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.compiler.LoopStrategy;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.ScanMemory;
import dev.spool.compiler.UnrollEstimate;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.train.Initializer;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
import dev.spool.runtime.internal.cpu.CpuExecutable;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code spool bench scan-vs-unroll}: the research harness comparing a rolled scan with unrolled
 * loops. For each loop strategy (scan, unroll by k, full unroll), sequence length and workload
 * (forward pass, and forward plus backward with {@code --grad}) of a one-hot character LM with
 * the chosen cell, it builds the graph, times every compile stage from cold (the kernel cache is
 * cleared per point), times the first call and the steady state, and records the graph, program
 * and code sizes and the memory; then writes {@code results.csv}, log-log PNG charts and
 * {@code summary.md}, with PyTorch eager as a reference line when Debian's torch is installed.
 */
@Command(name = "scan-vs-unroll", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare a rolled scan with unrolled loops: compile time per stage, first-call latency, steady-state time per token,",
                "memory and code size against the sequence length, for each loop strategy. Writes results.csv, PNG charts and summary.md."},
        footer = {"", "Examples:", "  spool bench scan-vs-unroll --out study", "  spool bench scan-vs-unroll --cell rnn --hidden 32 --batch 1024"
                + " --lengths 8,32,128 --unroll-factors 1,4,full --grad --checkpoint 1,sqrt,T --out study-rnn"})
final class ScanVsUnrollCommand implements Callable<Integer> {
    private static final int VOCAB = 28;

    @Option(names = "--cell", defaultValue = "lstm", paramLabel = "rnn|gru|lstm|myrnn", description = "Recurrent cell (default: ${DEFAULT-VALUE}).")
    String cell;

    @Option(names = "--hidden", defaultValue = "64", paramLabel = "H", description = "Hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "B", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lengths", defaultValue = "8,32,128", split = ",", paramLabel = "T",
            description = "Sequence lengths to measure (default: ${DEFAULT-VALUE}).")
    List<Integer> lengths;

    @Option(names = "--unroll-factors", defaultValue = "1,4,full", split = ",", paramLabel = "K",
            description = "Loop strategies: 1 keeps the scan, K unrolls by K, full unrolls completely (default: ${DEFAULT-VALUE}).")
    List<String> factors;

    @Option(names = "--grad", description = "Also measure forward plus backward (the training step's graph), not only the forward pass.")
    boolean grad;

    @Option(names = "--checkpoint", split = ",", paramLabel = "K",
            description = "With --grad: also measure the scan with its backward checkpointed every K steps; K is a number, sqrt (√T) or T."
                    + " Lengths K does not divide are skipped.")
    List<String> checkpoints = new ArrayList<>();

    @Option(names = "--repeats", defaultValue = "7", paramLabel = "N", description = "Timed steady-state runs per point (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--rounds", defaultValue = "5", paramLabel = "N",
            description = "Steady-state rounds per point once every point is compiled, in alternating order (the measurement right after"
                    + " compiling is reported apart); the CSV and summary give their median and range (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup-seconds", defaultValue = "3", paramLabel = "S",
            description = "Untimed runs for at least this long before timing each point (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--settle-seconds", defaultValue = "20", paramLabel = "S",
            description = "After the warm-up, keep running for at most this long until two successive medians of 5 runs agree within 5 %"
                    + " (newly generated kernels reach the JIT's fast tier only after a while) (default: ${DEFAULT-VALUE}).")
    double settleSeconds;

    @Option(names = "--torch", defaultValue = "auto", paramLabel = "auto|off|PYTHON",
            description = "PyTorch eager reference: auto runs tools/scan_vs_unroll_torch.py with /usr/bin/python3 when torch is installed,"
                    + " off skips it, or name a python (default: ${DEFAULT-VALUE}).")
    String torch;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for results.csv, the PNG charts and summary.md.")
    Path out;

    @Option(names = "--no-progress", description = "No progress bar (for logs and CI).")
    boolean noProgress;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    /** One point to measure. */
    record Point(String kind, int factor, int checkpoint, int steps) {
        String mode() {
            return checkpoint > 0 ? "scan+ckpt-" + checkpoint : StudySummary.mode(factor);
        }
    }

    @Override
    public Integer call() throws Exception {
        CellType cellType = CommonOptions.cell(cell);
        List<Point> points = points();
        Files.createDirectories(out);
        OutputFiles.checkWritable(out.resolve("results.csv"));
        PrintWriter log = spec.commandLine().getOut();
        RecurrentConfig rnn = new RecurrentConfig(cellType, VOCAB, hidden, 1, false, false, DType.F32);
        LanguageModel lm = new LanguageModel(rnn);
        Map<String, Tensor> params = parameters(rnn);
        // Throw-away compiles and runs of each strategy, so the first points do not pay for loading and JIT-compiling the compiler itself.
        for (Point p : points.stream().filter(p -> p.steps() == points.get(0).steps()).toList()) {
            measure(lm, params, p, 1, 0, Math.min(settleSeconds, 2));
        }
        List<StudyRow> rows = new ArrayList<>();
        List<Measured> measured = new ArrayList<>();
        Map<String, Map<Integer, Integer>> autoFactors = new TreeMap<>();
        try (ProgressBar bar = noProgress ? null : new ProgressBarBuilder().setTaskName("scan-vs-unroll").setInitialMax((long) points.size() * (1 + rounds))
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).clearDisplayOnFinish().build()) {
            for (Point p : points) {
                if (bar != null) {
                    bar.setExtraMessage(p.kind() + " " + p.mode() + " T=" + p.steps());
                }
                Measured m = measure(lm, params, p, repeats, warmupSeconds, settleSeconds);
                measured.add(m);
                StudyRow r = m.row();
                rows.add(r);
                if (p.factor() == 1 && p.checkpoint() == 0) {
                    autoFactors.computeIfAbsent(p.kind(), k -> new TreeMap<>()).put(p.steps(), autoFactor(graph(lm, p)));
                }
                if (bar != null) {
                    bar.step();
                } else {
                    log.printf("%-8s %-14s T=%-5d compile %9.1f ms  first call %9.1f ms  %.4g ms/token%n", r.kind(), r.mode(), r.steps(), r.compileMs(),
                            r.firstCallMs(), r.msPerToken());
                    log.flush();
                }
            }
            // Further rounds on the warm programs, interleaved over the whole sweep, so that a slow
            // minute of the machine lands on many points a little rather than on one point entirely.
            List<List<Double>> perRound = new ArrayList<>();
            measured.forEach(m -> perRound.add(new ArrayList<>()));
            // The measurement right after compiling is not a round: the JIT may still be compiling
            // that point's kernels (it differed from later rounds by up to 4x at the first points).
            for (int round = 1; round <= rounds; round++) {
                for (int k = 0; k < measured.size(); k++) {
                    int i = round % 2 == 1 ? measured.size() - 1 - k : k;
                    Measured m = measured.get(i);
                    if (bar != null) {
                        bar.setExtraMessage("round " + round + ": " + m.row().kind() + " " + m.row().mode() + " T=" + m.row().steps());
                    }
                    time(m.run(), 3);
                    perRound.get(i).add(median(time(m.run(), repeats)) / m.tokens());
                    if (bar != null) {
                        bar.step();
                    }
                }
            }
            for (int i = 0; i < rows.size(); i++) {
                rows.set(i, rows.get(i).withRounds(perRound.get(i)));
            }
        }
        Map<String, Map<Integer, Double>> reference = torchReference(log);
        String title = cellType.cliName().toUpperCase() + " H" + hidden + " B" + batch;
        OutputFiles.writeString(out.resolve("results.csv"), StudyRow.csv(rows));
        List<Path> charts = new ArrayList<>();
        for (String kind : List.of("forward", "train")) {
            charts.addAll(StudyPlots.write(out, rows, kind, reference.getOrDefault(kind, Map.of()), title));
        }
        String summary = StudySummary.markdown(rows, autoFactors, reference, title);
        OutputFiles.writeString(out.resolve("summary.md"), summary);
        log.print(summary);
        log.printf("%nwrote %s, %s and %d charts%n", out.resolve("results.csv"), out.resolve("summary.md"), charts.size());
        return 0;
    }

    /** The points of the sweep, checked up front: every length and factor valid, checkpoints only with --grad. */
    List<Point> points() {
        if (lengths.isEmpty() || lengths.stream().anyMatch(t -> t < 1)) {
            throw new ErrorReporter.UserError("--lengths needs lengths >= 1, got " + lengths);
        }
        if (hidden < 1 || batch < 1 || repeats < 1 || rounds < 1 || !(warmupSeconds >= 0) || !(settleSeconds >= 0)) {
            throw new ErrorReporter.UserError("--hidden, --batch, --repeats and --rounds must be >= 1, --warmup-seconds and --settle-seconds >= 0");
        }
        if (!checkpoints.isEmpty() && !grad) {
            throw new ErrorReporter.UserError("--checkpoint applies to the backward scan: add --grad");
        }
        List<Integer> ks = new ArrayList<>();
        for (String f : factors) {
            ks.add(parseFactor(f));
        }
        List<Point> points = new ArrayList<>();
        for (String kind : grad ? List.of("forward", "train") : List.of("forward")) {
            for (int t : lengths) {
                for (int k : ks) {
                    points.add(new Point(kind, k, 0, t));
                }
                if (kind.equals("train")) {
                    for (String c : checkpoints) {
                        int every = checkpointEvery(c, t);
                        if (every > 1 && t % every == 0) {
                            points.add(new Point(kind, 1, every, t));
                        }
                    }
                }
            }
        }
        return points;
    }

    static int parseFactor(String f) {
        if (f.equals("full")) {
            return 0;
        }
        try {
            int k = Integer.parseInt(f);
            if (k >= 1) {
                return k;
            }
        } catch (NumberFormatException ignored) {
            // refused below
        }
        throw new ErrorReporter.UserError("--unroll-factors takes 1 (scan), K >= 2 or full, got '" + f + "'");
    }

    /** The checkpoint interval for length t: a number, sqrt (rounded to a divisor of t when one is near) or T. */
    static int checkpointEvery(String c, int t) {
        if (c.equalsIgnoreCase("T")) {
            return t;
        }
        if (c.equalsIgnoreCase("sqrt")) {
            int r = (int) Math.round(Math.sqrt(t));
            for (int d = 0; d <= r; d++) {
                if (r - d >= 1 && t % (r - d) == 0) {
                    return r - d;
                }
                if (t % (r + d) == 0) {
                    return r + d;
                }
            }
            return 1;
        }
        try {
            int k = Integer.parseInt(c);
            if (k >= 1) {
                return k;
            }
        } catch (NumberFormatException ignored) {
            // refused below
        }
        throw new ErrorReporter.UserError("--checkpoint takes K >= 1, sqrt or T, got '" + c + "'");
    }

    private Map<String, Tensor> parameters(RecurrentConfig rnn) {
        SplittableRandom rnd = new SplittableRandom(0);
        Map<String, Tensor> params = new LinkedHashMap<>(Initializer.recurrent(rnn, rnd));
        params.putAll(Initializer.linear("linear.", hidden, VOCAB, DType.F32, rnd));
        return params;
    }

    private static Graph graph(LanguageModel lm, Point p) {
        return p.kind().equals("train") ? lm.trainingGraph(p.steps(), p.checkpoint()) : lm.logitsGraph().bind("T", p.steps());
    }

    /** The factor --mode auto picks for the graph's loops (the first top-level scan's, after the graph passes that precede unrolling). */
    private static int autoFactor(Graph g) {
        Graph optimised = Pipeline.standard().without(java.util.Set.of("fusion", Pipeline.MEMORY_PLANNING)).run(g);
        for (Node n : optimised.nodes()) {
            if (n.op() instanceof ScanOp) {
                return LoopStrategy.auto().factor(UnrollEstimate.facts(n, ""));
            }
        }
        return 1;
    }

    /** A measured point (its first round) and how to run it again: the warm program on its feeds, and tokens per run. */
    record Measured(StudyRow row, Runnable run, double tokens) {
    }

    /** Measures one point; see {@link StudyRow} for the columns. */
    private Measured measure(LanguageModel lm, Map<String, Tensor> params, Point p, int timedRuns, double warmup, double settle) {
        long t0 = System.nanoTime();
        Graph g = graph(lm, p);
        double buildMs = ms(t0);
        Pipeline pipeline = p.factor() == 1 ? Pipeline.standard() : Pipeline.unrolling(p.factor());
        long t1 = System.nanoTime();
        Graph staged = pipeline.run(g);
        double graphStageMs = ms(t1);
        Map<String, Integer> dims = Map.of("B", batch);
        StageClock clock = new StageClock(System.nanoTime(), staged);
        Program program = pipeline.compile(staged, dims, CpuBackend.TARGET, clock);
        double sizedGraphMs = (clock.lastGraph - clock.start) / 1e6;
        double loweringMs = (clock.lowered - clock.lastGraph) / 1e6;
        double programPassesMs = (clock.lastProgram - clock.lowered) / 1e6;
        // Code generation and Janino happen when an executable prepares its first arena: timed with a
        // kernel cache of the point's own, as in a fresh JVM.
        CpuExecutable cold = CpuBackend.load(program);
        CpuBackend.KernelStats before = CpuBackend.kernelStats();
        long direct0 = directBytesAfterGc();
        long t4 = System.nanoTime();
        CpuBackend.withoutKernelCache(cold::kernelSources);
        double prepareMs = ms(t4);
        long arena = directBytes() - direct0;
        CpuBackend.KernelStats after = CpuBackend.kernelStats();
        double janinoMs = (after.compileNanos() - before.compileNanos()) / 1e6;
        double warmMs = (after.warmupNanos() - before.warmupNanos()) / 1e6;
        double codegenMs = Math.max(0, prepareMs - janinoMs - warmMs);
        Map<String, Tensor> feeds = feeds(params, p.steps());
        long t5 = System.nanoTime();
        cold.run(feeds);
        double firstRunMs = ms(t5);
        // The steady state runs on the shared, JIT-warm kernels, as a long-running process would.
        CpuExecutable warm = CpuBackend.load(program);
        double[] runs = steadyRuns(() -> warm.run(feeds), timedRuns, warmup, settle);
        double median = runs[timedRuns / 2];
        double tokens = (double) batch * p.steps();
        List<String> sources = warm.kernelSources().stream().distinct().toList();
        long sourceBytes = sources.stream().mapToLong(String::length).sum();
        double passesMs = graphStageMs + sizedGraphMs;
        double compileMs = passesMs + loweringMs + programPassesMs + prepareMs;
        StudyRow row = new StudyRow(cell, hidden, batch, p.kind(), p.mode(), p.checkpoint() > 0 ? p.checkpoint() : p.factor(), p.steps(), buildMs,
                passesMs, loweringMs, programPassesMs, codegenMs, janinoMs, warmMs, firstRunMs, compileMs + firstRunMs, median / tokens, median / tokens,
                (runs[timedRuns - 1] - runs[0]) / tokens, median / tokens, median / tokens, List.of(median / tokens), clock.graph.totalNodes(), instructions(program.code()), sources.size(), sourceBytes,
                MemoryPlanner.describe(program).arenaBytes(), arena, ScanMemory.stackedBytes(g, dims));
        return new Measured(row, () -> warm.run(feeds), tokens);
    }

    /** Timestamps of the Program stage's steps, from {@link Pipeline.Trace} callbacks, and its final graph. */
    private static final class StageClock implements Pipeline.Trace {
        final long start;
        long lastGraph;
        long lowered;
        long lastProgram;
        Graph graph;

        StageClock(long start, Graph graph) {
            this.start = start;
            this.lastGraph = start;
            this.graph = graph;
        }

        @Override
        public void graph(String pass, Graph g) {
            lastGraph = System.nanoTime();
            graph = g;
        }

        @Override
        public void program(String pass, Program p) {
            long now = System.nanoTime();
            if (pass.equals("lowering")) {
                lowered = now;
            }
            lastProgram = now;
        }
    }

    private Map<String, Tensor> feeds(Map<String, Tensor> params, int steps) {
        SplittableRandom rnd = new SplittableRandom(1);
        long[] tokens = new long[steps * batch];
        long[] targets = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rnd.nextInt(VOCAB);
            targets[i] = rnd.nextInt(VOCAB);
        }
        Map<String, Tensor> feeds = new HashMap<>(params);
        feeds.put("tokens", Tensor.ofLongs(new int[] {steps, batch}, tokens));
        feeds.put("targets", Tensor.ofLongs(new int[] {steps, batch}, targets));
        return feeds;
    }

    /** Instructions of a program, loop bodies included. */
    static long instructions(List<Instr> code) {
        long n = 0;
        for (Instr i : code) {
            n += 1 + (i instanceof Instr.Loop l ? instructions(l.body()) : 0);
        }
        return n;
    }

    /**
     * Timed runs once the kernels run at full speed: new kernel classes reach C2 only after the JIT
     * has seen them run for a while (longer when other processes share the cores), so after the
     * warm-up time, windows of runs are repeated until two successive medians agree within 5 %
     * (for at most {@code settleSeconds}), then {@code timed} runs are timed.
     */
    static double[] steadyRuns(Runnable run, int timed, double warmupSeconds, double settleSeconds) {
        long start = System.nanoTime();
        long until = start + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < 3 || System.nanoTime() < until; i++) {
            run.run();
        }
        double previous = Double.NaN;
        long settleUntil = System.nanoTime() + (long) (settleSeconds * 1e9);
        while (System.nanoTime() < settleUntil) {
            double m = median(time(run, 5));
            if (Math.abs(m - previous) <= 0.05 * m) {
                break;
            }
            previous = m;
        }
        double[] runs = time(run, timed);
        Arrays.sort(runs);
        return runs;
    }

    private static double[] time(Runnable run, int n) {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            run.run();
            ms[i] = ms(s);
        }
        return ms;
    }

    private static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    /** Direct (off-heap) bytes in use once unreachable buffers of earlier points are freed. */
    private static long directBytesAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return directBytes();
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream().filter(b -> b.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private static double ms(long since) {
        return (System.nanoTime() - since) / 1e6;
    }

    /**
     * PyTorch eager's time per token (kind → T → ms) from tools/scan_vs_unroll_torch.py, or nothing
     * (with a line saying why) when it is off, the script is not found or torch is not installed.
     */
    private Map<String, Map<Integer, Double>> torchReference(PrintWriter log) throws IOException, InterruptedException {
        Map<String, Map<Integer, Double>> ref = new TreeMap<>();
        if (torch.equals("off")) {
            return ref;
        }
        Path script = Path.of("tools", "scan_vs_unroll_torch.py");
        if (!Files.isRegularFile(script)) {
            log.println("PyTorch reference skipped: tools/scan_vs_unroll_torch.py not found (run from the Spool checkout)");
            return ref;
        }
        String python = torch.equals("auto") ? "/usr/bin/python3" : torch;
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--cell", cell, "--hidden", Integer.toString(hidden), "--batch",
                Integer.toString(batch), "--lengths", String.join(",", lengths.stream().map(String::valueOf).toList())));
        if (grad) {
            cmd.add("--grad");
        }
        Process proc;
        try {
            proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            log.println("PyTorch reference skipped: cannot run " + python + " (" + e.getMessage() + ")");
            return ref;
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            r.lines().forEach(lines::add);
        }
        String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!proc.waitFor(10, TimeUnit.MINUTES) || proc.exitValue() != 0) {
            String last = err.isEmpty() ? "exit " + proc.exitValue() : err.lines().reduce((a, b) -> b).orElse("");
            log.println("PyTorch reference skipped: " + last);
            return ref;
        }
        for (String line : lines) {
            String[] f = line.split(",");
            if (f.length == 3 && !f[0].equals("kind")) {
                ref.computeIfAbsent(f[0], k -> new TreeMap<>()).put(Integer.parseInt(f[1]), Double.parseDouble(f[2]));
            }
        }
        return ref;
    }
}
