package dev.spool.benchmarks;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The elementwise part of one recurrent cell step, the code the compiler's elementwise fusion turns
 * into one generated Vector API kernel (KernelSource/KernelCompiler), timed on its own, forward and
 * backward, with fusion on ({@code fused}: {@link Pipeline#standard()}) and off ({@code unfused}:
 * the same pipeline without {@code fusion}, so every op is its own kernel and every intermediate
 * goes through memory).
 *
 * <p>Why: inside the scan a step is two GEMMs plus this gate arithmetic; at small batch sizes the
 * gate arithmetic is a large share of the step, and fusing it is the main thing the elementwise
 * code generator exists for. Timing it apart from GEMM and the loop shows what fusion buys per
 * element and whether the generated kernel runs near memory speed.
 *
 * <p>The graphs are exactly the gate equations of {@code nn.Cells} (PyTorch gate order) applied to
 * the step's projections, which the benchmark feeds as inputs:
 * <ul>
 *   <li>LSTM: inputs {@code xg}, {@code hg} (B, 4H) (input and hidden projections with biases) and
 *       {@code c} (B, H); {@code gates = xg + hg}; i, f, o = sigmoid, g = tanh of the four column
 *       blocks; results {@code c' = f·c + i·g}, {@code h' = o·tanh(c')}.</li>
 *   <li>GRU: inputs {@code gi}, {@code gh} (B, 3H) and {@code h} (B, H); r, z = sigmoid(gi + gh)
 *       blocks, {@code n = tanh(gi_n + r·gh_n)}; result {@code h' = n + z·(h − n)}.</li>
 * </ul>
 * {@code backward} runs the reverse-mode gradient graph ({@code Grad.of}) of
 * {@code sum(h'·dh) [+ sum(c'·dc)]} with respect to every input, results only the gradients: as in
 * the scan's backward step it recomputes the gate activations it needs from the projections, so it
 * times the backward cell kernel(s) including that recomputation.
 *
 * <p>Score: cell steps per second; the {@code elements} counter is the same rate times B·H, the
 * per-element throughput (hidden units updated per second), comparable across sizes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FusedCellBenchmark {

    @Param({"LSTM", "GRU"})
    public String cell;

    /** Hidden size x batch: the LSTM anchor workloads' sizes. */
    @Param({"h256_b32", "h1024_b64"})
    public String size;

    @Param({"fused", "unfused"})
    public String kernel;

    private CpuProgram forward;
    private CpuProgram backward;
    private Map<String, Tensor> forwardFeeds;
    private Map<String, Tensor> backwardFeeds;
    private long elementsPerStep;

    /** Per-element throughput: hidden units (B·H) processed, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Elements {
        public long elements;

        @Setup(Level.Iteration)
        public void reset() {
            elements = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        int hidden = Integer.parseInt(size.substring(1, size.indexOf('_')));
        int batch = Integer.parseInt(size.substring(size.indexOf("_b") + 2));
        elementsPerStep = (long) hidden * batch;
        Pipeline pipeline = switch (kernel) {
            case "fused" -> Pipeline.standard();
            case "unfused" -> Pipeline.standard().without(Set.of("fusion"));
            default -> throw new IllegalArgumentException("kernel must be fused or unfused, got " + kernel);
        };
        Graph fwd = forwardGraph(cell, hidden, batch);
        Graph bwd = backwardGraph(cell, hidden, batch);
        forward = CpuBackend.compile(fwd, pipeline);
        backward = CpuBackend.compile(bwd, pipeline);
        forwardFeeds = Feeds.random(fwd, Map.of(), 1);
        backwardFeeds = Feeds.random(bwd, Map.of(), 2);
        // Check once against the reference interpreter that what is timed computes the cell; then warm up.
        check(forward, fwd, forwardFeeds);
        check(backward, bwd, backwardFeeds);
        for (int i = 0; i < 200; i++) {
            forward.run(forwardFeeds);
            backward.run(backwardFeeds);
        }
    }

    @Benchmark
    public Map<String, Tensor> forward(Elements counter) {
        counter.elements += elementsPerStep;
        return forward.run(forwardFeeds);
    }

    @Benchmark
    public Map<String, Tensor> backward(Elements counter) {
        counter.elements += elementsPerStep;
        return backward.run(backwardFeeds);
    }

    /** The gate arithmetic of one step of {@code cell}; see the class comment. */
    static Graph forwardGraph(String cell, int hidden, int batch) {
        Builder b = new Builder();
        return b.build(cellStep(b, cell, hidden, batch));
    }

    /**
     * The gradients of {@code sum(h'·dh) [+ sum(c'·dc)]} with respect to every input of the cell
     * (the seeds dh, dc are the inputs {@code seed_h}, {@code seed_c}); the results are the gradients only.
     */
    static Graph backwardGraph(String cell, int hidden, int batch) {
        Builder b = new Builder();
        Map<String, Value> outs = cellStep(b, cell, hidden, batch);
        Value loss = null;
        for (Map.Entry<String, Value> e : outs.entrySet()) {
            Value seed = b.input("seed_" + e.getKey(), e.getValue().dtype(), e.getValue().shape().dims().toArray());
            Value term = b.sum(b.mul(e.getValue(), seed));
            loss = loss == null ? term : b.add(loss, term);
        }
        Graph withLoss = b.build("loss", loss);
        List<String> wrt = new ArrayList<>();
        for (Value p : withLoss.params()) {
            String name = withLoss.source(p).label();
            if (!name.startsWith("seed_")) {
                wrt.add(name);
            }
        }
        Graph grads = Grad.of(withLoss, "loss", wrt);
        List<Value> rs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < grads.results().size(); k++) {
            if (grads.resultNames().get(k).startsWith("grad.")) {
                rs.add(grads.results().get(k));
                names.add(grads.resultNames().get(k));
            }
        }
        return new Graph(grads.nodes(), grads.params(), rs, names);
    }

    /** Declares the cell's inputs on {@code b} and returns its next state(s) by name. */
    private static Map<String, Value> cellStep(Builder b, String cell, int hidden, int batch) {
        Map<String, Value> out = new LinkedHashMap<>();
        switch (cell) {
            case "LSTM" -> {
                Value xg = b.input("xg", DType.F32, batch, 4 * hidden);
                Value hg = b.input("hg", DType.F32, batch, 4 * hidden);
                Value c = b.input("c", DType.F32, batch, hidden);
                Value gates = b.add(xg, hg);
                Value i = b.sigmoid(gate(b, gates, 0, hidden));
                Value f = b.sigmoid(gate(b, gates, 1, hidden));
                Value g = b.tanh(gate(b, gates, 2, hidden));
                Value o = b.sigmoid(gate(b, gates, 3, hidden));
                Value c2 = b.add(b.mul(f, c), b.mul(i, g));
                out.put("h", b.mul(o, b.tanh(c2)));
                out.put("c", c2);
            }
            case "GRU" -> {
                Value gi = b.input("gi", DType.F32, batch, 3 * hidden);
                Value gh = b.input("gh", DType.F32, batch, 3 * hidden);
                Value h = b.input("h", DType.F32, batch, hidden);
                Value r = b.sigmoid(b.add(gate(b, gi, 0, hidden), gate(b, gh, 0, hidden)));
                Value z = b.sigmoid(b.add(gate(b, gi, 1, hidden), gate(b, gh, 1, hidden)));
                Value n = b.tanh(b.add(gate(b, gi, 2, hidden), b.mul(r, gate(b, gh, 2, hidden))));
                out.put("h", b.add(n, b.mul(z, b.sub(h, n))));
            }
            default -> throw new IllegalArgumentException("cell must be LSTM or GRU, got " + cell);
        }
        return out;
    }

    private static Value gate(Builder b, Value pre, int k, int hidden) {
        return b.slice(pre, -1, k * hidden, (k + 1) * hidden);
    }

    private static void check(CpuProgram p, Graph g, Map<String, Tensor> feeds) {
        Map<String, Tensor> got = p.run(feeds);
        Map<String, Tensor> want = CpuBackend.reference(g).run(feeds);
        for (String name : g.resultNames()) {
            double d = Feeds.maxAbsDiff(got.get(name), want.get(name));
            if (!(d < 1e-4)) {
                throw new IllegalStateException(name + " differs from the reference interpreter by " + d);
            }
        }
    }
}
