package dev.spool.compiler;

import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.GraphException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Reshape;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.ops.internal.rewrite.Replay;
import dev.spool.ops.internal.rewrite.TimeAxis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Loop unrolling, so researchers can compare scan with straight-line code. Full unrolling (factor
 * 0, or any factor ≥ T) replaces a scan of fixed length T by T copies of its body: copy t reads
 * {@code index(seq, 0, t)}, carries thread from copy to copy, outputs are {@code stack}ed on axis 0
 * (T = 0 leaves the initial carries and zero-filled (0, y...) outputs). Unrolling by k (2 ≤ k &lt; T)
 * gives a scan over ⌊T/k⌋ chunks whose body is k copies, then the R = T mod k leftover steps
 * unrolled after it (a reverse scan's chunks are aligned to its end, so its leftovers R−1 .. 0
 * still come last). Reverse copies run t = T−1 .. 0 and still write output t at index t; a masked
 * scan's semantics are spelled out per copy ({@code where(active_t, new, old)} for carries,
 * {@code where(active_t, y, 0)} for outputs, active_t from {@code t < lengths} or mask row t), so
 * the same ops run on the same values and results are bitwise the scan's. Nested scans,
 * autodiff's backward scans and scans inside chunk bodies are rewritten with the same factor;
 * factor 1 returns the graph unchanged. Assumes a verified graph. A scan of symbolic length cannot
 * be unrolled: by default ({@link OnSymbolic#REFUSE}) the pass throws a {@link GraphException}
 * naming the scan; {@link #wherePossible} keeps such scans as loops (unrolling inside their bodies).
 */
public final class Unroll implements Pass {

    /** What to do with a scan whose length is a symbol such as T. */
    public enum OnSymbolic {
        /** Throw a {@link GraphException} naming the scan (the default). */
        REFUSE,
        /** Keep the scan as a loop, unrolling only inside its body. */
        KEEP
    }

    private final LoopStrategy strategy;
    private final OnSymbolic onSymbolic;
    private final long nodeLimit;

    /** Unrolls by {@code factor} (0: fully), refusing symbolic-length scans. */
    public Unroll(int factor) {
        this(factor, OnSymbolic.REFUSE);
    }

    public Unroll(int factor, OnSymbolic onSymbolic) {
        this(LoopStrategy.fixed(factor), onSymbolic, UnrollEstimate.DEFAULT_NODE_LIMIT);
    }

    /**
     * Unrolls each scan by the factor {@code strategy} picks for it (1 keeps it a loop), refusing with
     * a {@link GraphException} before any work when the unrolled graph would exceed {@code nodeLimit}
     * nodes (see {@link UnrollEstimate}).
     */
    public Unroll(LoopStrategy strategy, OnSymbolic onSymbolic, long nodeLimit) {
        this.strategy = strategy;
        this.onSymbolic = onSymbolic;
        this.nodeLimit = nodeLimit;
    }

    /** Unrolls every scan completely. */
    public static Unroll full() {
        return new Unroll(0);
    }

    /** Unrolls by {@code factor} (0: fully) the scans of fixed length and keeps the others as loops. */
    public static Unroll wherePossible(int factor) {
        return new Unroll(factor, OnSymbolic.KEEP);
    }

    @Override
    public boolean needsSizes() {
        return true;
    }

    @Override
    public String name() {
        return "unroll";
    }

    @Override
    public Graph run(Graph graph) {
        if (strategy.equals(LoopStrategy.fixed(1))) {
            return graph;
        }
        UnrollEstimate.check(graph, strategy, nodeLimit);
        Builder b = new Builder();
        Map<Key, Value> env = Replay.graph(b, graph, new HashMap<>(), (n, e) -> emit(b, n, e, ""));
        Map<String, Value> results = new LinkedHashMap<>();
        for (int i = 0; i < graph.results().size(); i++) {
            results.put(graph.resultNames().get(i), env.get(Key.Orig.of(graph.results().get(i))));
        }
        return b.build(results);
    }

    /**
     * One line per scan of {@code g} (nested ones included, by path): the factor this pass gives it
     * and the strategy's reason, e.g. {@code scan#7 (T=35, 14 body nodes): kept as a loop: …}.
     * {@code spool inspect} prints these before the pass runs.
     */
    public List<String> decisions(Graph g) {
        List<String> out = new ArrayList<>();
        decisions(g, "", out);
        return out;
    }

    private void decisions(Graph g, String path, List<String> out) {
        for (Node n : g.nodes()) {
            if (n.op() instanceof ScanOp scan) {
                UnrollEstimate.ScanFacts f = UnrollEstimate.facts(n, path);
                out.add(String.format("%s (T=%s, %d body nodes): %s", f.path(), f.length(), f.bodyNodes(), strategy.reason(f)));
                decisions(scan.body(), path + n.label() + "/body/", out);
            }
        }
    }

    /** Emits scan node n (at {@code path} in the original graph), unrolled as far as the factor says. */
    private void emit(Builder b, Node n, Map<Key, Value> env, String path) {
        ScanOp scan = (ScanOp) n.op();
        String bodyPath = path + n.label() + "/body/";
        if (!(scan.length() instanceof Dim.Fixed len)) {
            if (onSymbolic == OnSymbolic.REFUSE) {
                throw new GraphException(path + n.label(), "cannot unroll a scan of symbolic length " + scan.length()
                        + "; bind the sequence length to a size (declare " + scan.length() + " as a number), or use --mode scan"
                        + " (Unroll.wherePossible keeps such scans as loops)");
            }
            keep(b, n, env, bodyPath);
        } else {
            int k = strategy.factor(UnrollEstimate.facts(n, path));
            if (k == 0 || k >= len.size()) {
                full(b, n, env, len.size(), bodyPath);
            } else if (k == 1) {
                keep(b, n, env, bodyPath);
            } else {
                chunked(b, n, env, len.size(), k, bodyPath);
            }
        }
    }

    /** The scan stays a loop; its body is replayed with nested scans unrolled. */
    private void keep(Builder b, Node n, Map<Key, Value> env, String bodyPath) {
        ScanOp scan = (ScanOp) n.op();
        List<Value> operands = Replay.operands(n, env);
        ScanOp.Operands<Value> in = scan.split(operands);
        ScanResult r = b.scan(Replay.options(scan, operands, scan.reverse()), in.carries(), in.sequences(), (cs, ss) -> {
            ScanOp.Results<Value> res = scan.splitResults(body(b, scan, cs, ss, operands, bodyPath));
            return Step.of(res.carries(), res.outputs());
        });
        Replay.bindOutputs(n, env, r);
    }

    /** T copies of the body; outputs stacked, or zero-filled (0, y...) when T = 0. */
    private void full(Builder b, Node n, Map<Key, Value> env, int steps, String bodyPath) {
        ScanOp scan = (ScanOp) n.op();
        List<Value> operands = Replay.operands(n, env);
        ScanOp.Operands<Value> in = scan.split(operands);
        Copies r = copies(b, scan, operands, in.carries(), steps, slicesAt(b, in.sequences(), 0),
                activeAt(b, scan, operands, 0), bodyPath);
        List<Value> outputs = new ArrayList<>();
        for (int i = 0; i < scan.numOutputs(); i++) {
            TensorType t = scan.splitResults(n.outputs()).outputs().get(i);
            outputs.add(steps == 0 ? b.fill(0, t.dtype(), t.shape().dims().toArray()) : b.stack(0, r.outputs().get(i)));
        }
        Replay.bindOutputs(n, env, new ScanResult(r.carries(), outputs));
    }

    /**
     * A scan over ⌊T/k⌋ chunks of k body copies, then the R = T mod k leftover steps unrolled. The
     * chunks of a reverse scan are aligned to the end so its leftovers are still visited last. A
     * masked scan's chunks read the (T, B) active mask as one more sequence, sliced like the others.
     *
     * <pre>
     * forward :: chunks over steps [0, T-R), leftovers T-R .. T-1;  outputs concat(chunks, leftovers)
     * reverse :: chunks over steps [R, T),   leftovers R-1 .. 0;    outputs concat(leftovers, chunks)
     * </pre>
     */
    private void chunked(Builder b, Node n, Map<Key, Value> env, int steps, int factor, String bodyPath) {
        ScanOp scan = (ScanOp) n.op();
        int nc = scan.numCarries();
        int ns = scan.numSequences();
        int chunks = steps / factor;
        int rest = steps % factor;
        int from = scan.reverse() ? rest : 0;
        List<Value> operands = Replay.operands(n, env);
        ScanOp.Operands<Value> in = scan.split(operands);
        List<Value> seqs = in.sequences();
        List<Value> chunkSeqs = new ArrayList<>();
        for (Value x : seqs) {
            chunkSeqs.add(chunksOf(b, x, from, chunks, factor, rest));
        }
        boolean masked = scan.masking() != ScanOp.Masking.NONE;
        if (masked) {
            chunkSeqs.add(chunksOf(b, TimeAxis.activeSteps(b, scan, in.mask()), from, chunks, factor, rest));
        }
        ScanOptions opts = new ScanOptions(scan.reverse(), null, null, Dim.of(chunks), List.of(Replay.carryNames(scan)));
        ScanResult loop = b.scan(opts, in.carries(), chunkSeqs, (cs, ss) -> {
            IntFunction<Value> active = masked ? j -> b.index(ss.get(ns), 0, j) : null;
            Copies r = copies(b, scan, operands, cs, factor, slicesAt(b, ss.subList(0, ns), 0), active, bodyPath);
            return Step.of(r.carries(), r.outputs().stream().map(ys -> b.stack(0, ys)).toList());
        });
        List<Value> carries = loop.carries();
        List<Value> outputs = new ArrayList<>();
        for (Value y : loop.outputs()) {
            TensorType t = b.typeOf(y);
            outputs.add(b.apply1(new Reshape(t.shape().drop(2).prepend(Dim.of(chunks * factor))), y));
        }
        if (rest > 0) {
            int first = scan.reverse() ? 0 : chunks * factor;
            Copies r = copies(b, scan, operands, carries, rest, slicesAt(b, seqs, first), activeAt(b, scan, operands, first), bodyPath);
            carries = r.carries();
            for (int i = 0; i < outputs.size(); i++) {
                Value left = b.stack(0, r.outputs().get(i));
                outputs.set(i, b.concat(0, scan.reverse() ? List.of(left, outputs.get(i)) : List.of(outputs.get(i), left)));
            }
        }
        Replay.bindOutputs(n, env, new ScanResult(carries, outputs));
    }

    /** Steps [from, from + chunks·k) of x, viewed as (chunks, k, s...). */
    private Value chunksOf(Builder b, Value x, int from, int chunks, int factor, int rest) {
        Value part = rest == 0 ? x : b.slice(x, 0, from, from + chunks * factor);
        return TimeAxis.split(b, part, chunks, factor);
    }

    /** The final carries and, per output, the copies' outputs in step order (ascending j). */
    private record Copies(List<Value> carries, List<List<Value>> outputs) {
    }

    /**
     * {@code count} copies of the body on local steps j = 0 .. count-1 (visited backwards for a
     * reverse scan); {@code slices} and {@code active} (null when unmasked) give step j's inputs.
     */
    private Copies copies(Builder b, ScanOp scan, List<Value> operands, List<Value> carries, int count,
                          IntFunction<List<Value>> slices, IntFunction<Value> active, String bodyPath) {
        int nc = scan.numCarries();
        List<Value> c = carries;
        List<List<Value>> ys = new ArrayList<>();
        for (int i = 0; i < scan.numOutputs(); i++) {
            ys.add(new ArrayList<>(Collections.nCopies(count, (Value) null)));
        }
        for (int k = 0; k < count; k++) {
            int j = scan.reverse() ? count - 1 - k : k;
            List<Value> res = body(b, scan, c, slices.apply(j), operands, bodyPath);
            if (active != null) {
                res = masked(b, active.apply(j), c, res, nc);
            }
            ScanOp.Results<Value> step = scan.splitResults(res);
            c = step.carries();
            for (int i = 0; i < ys.size(); i++) {
                ys.get(i).set(j, step.outputs().get(i));
            }
        }
        return new Copies(c, ys);
    }

    /** One replay of the body with nested scans unrolled; returns its results (carries, then outputs). */
    private List<Value> body(Builder b, ScanOp scan, List<Value> carries, List<Value> slices, List<Value> operands, String bodyPath) {
        Map<Key, Value> benv = Replay.graph(b, scan.body(), Replay.bodyEnv(scan, carries, slices, operands),
                (m, e) -> emit(b, m, e, bodyPath));
        return scan.body().results().stream().map(v -> benv.get(Key.Orig.of(v))).toList();
    }

    /** A masked step: inactive rows keep their carry, {@code where(active, new, old)}, and output zeros. */
    private static List<Value> masked(Builder b, Value active, List<Value> old, List<Value> res, int nc) {
        Map<Integer, Value> rowsByRank = new HashMap<>();
        Map<DType, Value> zeros = new HashMap<>();
        List<Value> out = new ArrayList<>(res.size());
        for (int i = 0; i < res.size(); i++) {
            Value v = res.get(i);
            TensorType t = b.typeOf(v);
            Value rows = rowsByRank.computeIfAbsent(t.rank(), r -> TimeAxis.rowsLike(b, active, v));
            Value otherwise = i < nc ? old.get(i) : zeros.computeIfAbsent(t.dtype(), d -> b.scalar(0, d));
            out.add(b.where(rows, v, otherwise));
        }
        return out;
    }

    /** Step j's slices: {@code index(seq, 0, first + j)}. */
    private static IntFunction<List<Value>> slicesAt(Builder b, List<Value> seqs, int first) {
        return j -> seqs.stream().map(x -> b.index(x, 0, first + j)).toList();
    }

    /** Step j's active rows (global step first + j), or null for an unmasked scan. */
    private static IntFunction<Value> activeAt(Builder b, ScanOp scan, List<Value> operands, int first) {
        if (scan.masking() == ScanOp.Masking.NONE) {
            return null;
        }
        Value last = operands.get(operands.size() - 1);
        Value m = scan.masking() == ScanOp.Masking.LENGTHS ? TimeAxis.checkedLengths(b, scan, last) : last;
        return j -> TimeAxis.activeAt(b, scan, m, first + j);
    }
}
