package dev.spool.ops.internal.autodiff;

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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites each top-level scan of fixed length T into a scan over T/k chunks whose body is the
 * original scan over k steps: sequences (T, s...) are viewed as (T/k, k, s...), lengths become a
 * (T, B) mask (a chunk's steps have local indices), and stacked outputs are viewed back as (T, y...).
 * Same results; it is what gradient checkpointing differentiates. Scans of length at most k stay.
 */
final class ScanChunking {
    private ScanChunking() {
    }

    /** The rewritten graph and the ids of the chunk-level scans it created. */
    record Result(Graph graph, Set<Integer> chunkScans) {
    }

    static Result rewrite(Graph g, int every) {
        Builder b = new Builder();
        Set<Integer> chunkScans = new HashSet<>();
        Map<Key, Value> env = Replay.graph(b, g, new HashMap<>(), (n, e) -> chunk(b, n, e, every, chunkScans));
        Map<String, Value> results = new LinkedHashMap<>();
        for (int i = 0; i < g.results().size(); i++) {
            results.put(g.resultNames().get(i), env.get(Key.Orig.of(g.results().get(i))));
        }
        return new Result(b.build(results), chunkScans);
    }

    private static void chunk(Builder b, Node n, Map<Key, Value> env, int every, Set<Integer> chunkScans) {
        ScanOp scan = (ScanOp) n.op();
        if (!(scan.length() instanceof Dim.Fixed len)) {
            throw new GraphException(n.label(), "checkpointing needs a fixed scan length, got " + scan.length()
                    + "; declare the sequence length as a number");
        }
        int steps = len.size();
        if (steps <= every) {
            Replay.plainScan(b, n, env);
            return;
        }
        if (steps % every != 0) {
            throw new GraphException(n.label(), "checkpointing every " + every + " steps needs a scan length divisible by "
                    + every + ", got " + steps + "; pick a divisor of " + steps);
        }
        int chunks = steps / every;
        int nc = scan.numCarries();
        int ns = scan.numSequences();
        List<Value> operands = Replay.operands(n, env);
        ScanOp.Operands<Value> in = scan.split(operands);
        List<Value> seqs = new ArrayList<>();
        for (Value x : in.sequences()) {
            seqs.add(TimeAxis.split(b, x, chunks, every));
        }
        boolean masked = scan.masking() != ScanOp.Masking.NONE;
        if (masked) {
            seqs.add(TimeAxis.split(b, TimeAxis.activeSteps(b, scan, in.mask()), chunks, every));
        }
        List<String> names = List.of(Replay.carryNames(scan));
        ScanOptions outerOpts = new ScanOptions(scan.reverse(), null, null, Dim.of(chunks), names);
        ScanResult outer = b.scan(outerOpts, in.carries(), seqs, (cs, ss) -> {
            ScanOptions innerOpts = new ScanOptions(scan.reverse(), null, masked ? ss.get(ns) : null, Dim.of(every), names);
            ScanResult inner = b.scan(innerOpts, cs, ss.subList(0, ns), (c2, s2) -> {
                Map<Key, Value> benv = Replay.graph(b, scan.body(), Replay.bodyEnv(scan, c2, s2, operands), (m, e) -> Replay.plainScan(b, m, e));
                ScanOp.Results<Value> results = scan.splitResults(scan.body().results().stream().map(v -> benv.get(Key.Orig.of(v))).toList());
                return Step.of(results.carries(), results.outputs());
            });
            return Step.of(inner.carries(), inner.outputs());
        });
        chunkScans.add((nc > 0 ? outer.carries() : outer.outputs()).get(0).node());
        List<Value> outputs = new ArrayList<>();
        for (Value y : outer.outputs()) {
            TensorType t = b.typeOf(y);
            outputs.add(b.apply1(new Reshape(t.shape().drop(2).prepend(Dim.of(steps))), y));
        }
        Replay.bindOutputs(n, env, new ScanResult(outer.carries(), outputs));
    }
}
