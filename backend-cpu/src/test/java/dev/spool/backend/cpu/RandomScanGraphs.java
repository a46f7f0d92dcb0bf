package dev.spool.backend.cpu;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.ops.UnaryFn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.spool.graph.DType.BOOL;
import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I64;

/**
 * Seeded random well-formed f64 graphs built around scans, with random feeds from the same seed,
 * for differential tests of the compiler against the reference interpreter. A graph has a time
 * axis {@code T} and batch {@code B} (both symbolic, bound by the feeds), preprocessing of the
 * input sequence (transposes, concats, slices, reshapes to {@code T*B} rows and back, projections),
 * one or two scans with one or two carries, invariants computed outside, sequences, optional
 * reverse and masks (lengths or a boolean mask), occasionally a nested scan, random elementwise
 * chains with broadcasting, matmuls, reductions and data movement in the bodies, and results that
 * are stacked per-step outputs and final carries, plus a scalar {@code loss}. {@link #generate}
 * also returns the gradient graph of that loss, so backward scans, accumulation sinking and fusion
 * of backward bodies are exercised too.
 *
 * <p>Values stay bounded (carries pass through squashing functions, {@code exp} only sees
 * {@code tanh} outputs), so every result is finite and a 1e-9 relative tolerance is meaningful.
 */
final class RandomScanGraphs {
    private RandomScanGraphs() {
    }

    /** One graph with its feeds; {@code steps} is the bound of {@code T}, for unrolling. */
    record Problem(String name, Graph graph, Map<String, Tensor> feeds, int steps) {
    }

    /** A seed's forward graph and the gradient graph of its loss with respect to {@code wrt}, on the same feeds. */
    record Case(long seed, Problem forward, Problem gradient, List<String> wrt) {
    }

    /** The graphs and feeds of {@code seed}; equal seeds give equal cases. */
    static Case generate(long seed) {
        Gen gen = new Gen(seed);
        Graph forward = gen.build();
        List<String> wrt = gen.differentiable;
        Graph gradient = Grad.of(forward, "loss", wrt);
        Map<String, Tensor> feeds = Map.copyOf(gen.feeds);
        return new Case(seed, new Problem("seed " + seed + " forward", forward, feeds, gen.steps),
                new Problem("seed " + seed + " gradient", gradient, feeds, gen.steps), List.copyOf(wrt));
    }

    /** The state of one generation: the random source, the builder and the feeds declared so far. */
    private static final class Gen {
        final Random rnd;
        final Builder b = new Builder();
        final Map<String, Tensor> feeds = new LinkedHashMap<>();
        final List<String> differentiable = new ArrayList<>();
        final int steps;
        final int batch;
        final int d;
        final int h;
        final List<Value> lossTerms = new ArrayList<>();
        final Map<String, Value> results = new LinkedHashMap<>();
        int names;

        Gen(long seed) {
            rnd = new Random(seed * 0x9E3779B97F4A7C15L + 17);
            steps = rnd.nextInt(12) == 0 ? 0 : 1 + rnd.nextInt(5);
            batch = 1 + rnd.nextInt(3);
            d = 1 + rnd.nextInt(4);
            h = 1 + rnd.nextInt(4);
        }

        // Declarations with feeds ----------------------------------------------------------------

        private int size(Object dim) {
            if (dim instanceof Integer i) {
                return i;
            }
            return switch ((String) dim) {
                case "T" -> steps;
                case "B" -> batch;
                default -> throw new IllegalArgumentException(String.valueOf(dim));
            };
        }

        private int[] sizes(Object... shape) {
            int[] s = new int[shape.length];
            for (int i = 0; i < shape.length; i++) {
                s[i] = size(shape[i]);
            }
            return s;
        }

        Value data(String prefix, boolean parameter, Object... shape) {
            String name = prefix + (names++);
            Tensor t = Tensor.zeros(F64, sizes(shape));
            for (int i = 0; i < t.size(); i++) {
                t.setDouble(i, rnd.nextGaussian() * 0.8);
            }
            feeds.put(name, t);
            differentiable.add(name);
            return parameter ? b.parameter(name, F64, shape) : b.input(name, F64, shape);
        }

        Value lengths() {
            String name = "len" + (names++);
            long[] v = new long[batch];
            for (int i = 0; i < batch; i++) {
                v[i] = rnd.nextInt(steps + 1);
            }
            feeds.put(name, Tensor.ofLongs(new int[] {batch}, v));
            return b.input(name, I64, "B");
        }

        Value mask(Object length) {
            String name = "mask" + (names++);
            int[] shape = {size(length), batch};
            boolean[] v = new boolean[shape[0] * shape[1]];
            for (int i = 0; i < v.length; i++) {
                v[i] = rnd.nextInt(3) != 0;
            }
            feeds.put(name, Tensor.ofBools(shape, v));
            return b.input(name, BOOL, length, "B");
        }

        /** Adds {@code sum(v * r)} for a fresh random r to the loss, so every element of v matters. */
        void toLoss(Value v) {
            Object[] shape = b.typeOf(v).shape().dims().stream().map(x -> x instanceof Dim.Sym s ? (Object) s.name() : (Object) x.size())
                    .toArray();
            String name = "r" + (names++);
            Value r = b.input(name, F64, shape);
            Tensor t = Tensor.zeros(F64, sizes(shape));
            for (int i = 0; i < t.size(); i++) {
                t.setDouble(i, rnd.nextGaussian());
            }
            feeds.put(name, t);
            lossTerms.add(b.sum(b.mul(v, r)));
        }

        // The graph ------------------------------------------------------------------------------

        Graph build() {
            Value xs = sequenceInput();
            Value h0 = data("h", false, "B", h);
            Value u = data("u", true, h, h);
            Value w = data("w", true, h, d);
            Value bias = data("bias", true, h);
            // An invariant computed outside the scan, and a projected sequence computed for all steps at once.
            Value inv = rnd.nextBoolean() ? b.tanh(b.add(b.matmul(h0, u), bias)) : null;
            Value projected = rnd.nextBoolean() ? project(xs, w, bias) : null;
            ScanResult first = scan(xs, projected, List.of(h0), inv, u, w, bias, true);
            collect("a", first);
            if (rnd.nextInt(3) == 0) {
                // A second scan reading the first one's stacked output, in the other direction.
                Value ys = first.outputs().get(0);
                Value w2 = data("w", true, h, h);
                ScanResult second = scan(ys, null, List.of(first.carries().get(0)), null, u, w2, bias, false);
                collect("b", second);
            }
            Value loss = lossTerms.get(0);
            for (int i = 1; i < lossTerms.size(); i++) {
                loss = b.add(loss, lossTerms.get(i));
            }
            Map<String, Value> all = new LinkedHashMap<>(results);
            all.put("loss", loss);
            return b.build(all);
        }

        /** The (T, B, D) input, perhaps given batch-first or as two halves, and perhaps preprocessed. */
        private Value sequenceInput() {
            Value xs;
            switch (rnd.nextInt(4)) {
                case 0 -> xs = b.transpose(data("x", false, "B", "T", d), 1, 0, 2);
                case 1 -> {
                    if (d >= 2) {
                        int k = 1 + rnd.nextInt(d - 1);
                        xs = b.concat(2, List.of(data("x", false, "T", "B", k), data("x", false, "T", "B", d - k)));
                    } else {
                        xs = data("x", false, "T", "B", d);
                    }
                }
                case 2 -> {
                    Value wide = data("x", false, "T", "B", d + 2);
                    int start = rnd.nextInt(3);
                    xs = b.slice(wide, 2, start, start + d);
                }
                default -> xs = data("x", false, "T", "B", d);
            }
            if (rnd.nextBoolean()) {
                Value scale = data("scale", true, d);
                xs = rnd.nextBoolean() ? b.tanh(b.mul(xs, scale)) : b.add(xs, b.sigmoid(scale));
            }
            return xs;
        }

        /** x W^T + bias for all steps at once, through (T*B, D) rows. */
        private Value project(Value xs, Value w, Value bias) {
            Dim rows = Dim.product(Dim.of("T"), Dim.of("B"));
            Value flat = b.reshape(xs, rows, d);
            Value y = b.matmul(flat, w, false, true);
            if (rnd.nextBoolean()) {
                y = b.add(y, bias);
            }
            return b.reshape(y, "T", "B", h);
        }

        private void collect(String prefix, ScanResult r) {
            for (int i = 0; i < r.carries().size(); i++) {
                Value c = r.carries().get(i);
                results.put(prefix + ".carry" + i, c);
                toLoss(c);
            }
            for (int i = 0; i < r.outputs().size(); i++) {
                Value y = r.outputs().get(i);
                if (rnd.nextInt(3) == 0) {
                    // Post-processing of the stacked output: rows through a matmul, or a sum over time.
                    y = rnd.nextBoolean() ? b.sum(y, 0)
                            : b.reshape(b.tanh(b.matmul(b.reshape(y, Dim.product(Dim.of("T"), Dim.of("B")), h), data("v", true, h, h))),
                                    "T", "B", h);
                }
                results.put(prefix + ".output" + i, y);
                toLoss(y);
            }
        }

        /** A scan over {@code xs} (T, B, K) with random body, options and interface. */
        private ScanResult scan(Value xs, Value projected, List<Value> init, Value inv, Value u, Value w, Value bias, boolean maybeNested) {
            ScanOptions opts = rnd.nextBoolean() ? ScanOptions.DEFAULT.reverse() : ScanOptions.DEFAULT;
            switch (rnd.nextInt(4)) {
                case 0 -> opts = opts.lengths(lengths());
                case 1 -> opts = opts.mask(mask("T"));
                default -> {
                }
            }
            List<Value> carries = new ArrayList<>(init);
            if (rnd.nextBoolean()) {
                carries.add(rnd.nextBoolean() ? b.zeros(F64, "B", h) : data("c", false, "B", h));
            }
            List<Value> seqs = new ArrayList<>(List.of(xs));
            if (projected != null) {
                seqs.add(projected);
            }
            int extra = rnd.nextInt(2);
            Value nestedSeq = maybeNested && rnd.nextInt(4) == 0 ? data("z", false, "T", 2 + rnd.nextInt(2), "B", h) : null;
            if (nestedSeq != null) {
                seqs.add(nestedSeq);
            }
            int ops = 2 + rnd.nextInt(4) + extra;
            int outputs = 1 + rnd.nextInt(2);
            long bodySeed = rnd.nextLong();
            boolean innerReverse = rnd.nextBoolean();
            Value innerLengths = nestedSeq != null && rnd.nextBoolean() ? innerLengths(b.typeOf(nestedSeq).shape().dim(1).size()) : null;
            int nCarries = carries.size();
            return b.scan(opts, carries, seqs, (c, s) -> {
                Random pick = new Random(bodySeed);
                List<Value> pool = new ArrayList<>(c);
                Value x = s.get(0);
                pool.add(b.matmul(x, w, false, true));
                if (projected != null) {
                    pool.add(s.get(1));
                }
                if (inv != null) {
                    pool.add(inv);
                }
                if (nestedSeq != null) {
                    Value zs = s.get(s.size() - 1);
                    ScanOptions io = innerReverse ? ScanOptions.DEFAULT.reverse() : ScanOptions.DEFAULT;
                    if (innerLengths != null) {
                        io = io.lengths(innerLengths);
                    }
                    Value start = pool.get(pick.nextInt(pool.size()));
                    ScanResult inner = b.scan(io, List.of(start), List.of(zs), (c2, s2) -> {
                        Value hh = b.tanh(b.add(b.matmul(c2.get(0), u), s2.get(0)));
                        return Step.of(List.of(hh), List.of(b.mul(hh, s2.get(0))));
                    });
                    pool.add(inner.carries().get(0));
                    pool.add(b.sum(inner.outputs().get(0), 0));
                }
                chain(pick, pool, ops, u, bias);
                List<Value> next = new ArrayList<>();
                for (int i = 0; i < nCarries; i++) {
                    Value v = pool.get(pool.size() - 1 - pick.nextInt(Math.min(3, pool.size())));
                    next.add(switch (pick.nextInt(3)) {
                        case 0 -> b.tanh(v);
                        case 1 -> b.sigmoid(v);
                        default -> b.mul(b.add(c.get(i), b.tanh(v)), b.scalar(0.5, F64));
                    });
                }
                List<Value> outs = new ArrayList<>();
                for (int i = 0; i < outputs; i++) {
                    outs.add(switch (pick.nextInt(4)) {
                        case 0 -> next.get(0);
                        case 1 -> c.get(c.size() - 1);
                        default -> pool.get(pool.size() - 1 - pick.nextInt(Math.min(4, pool.size())));
                    });
                }
                return Step.of(next, outs);
            });
        }

        private Value innerLengths(int length) {
            String name = "ilen" + (names++);
            long[] v = new long[batch];
            for (int i = 0; i < batch; i++) {
                v[i] = rnd.nextInt(length + 1);
            }
            feeds.put(name, Tensor.ofLongs(new int[] {batch}, v));
            return b.input(name, I64, "B");
        }

        /** Appends {@code ops} random (B, H) values computed from the pool's. */
        private void chain(Random pick, List<Value> pool, int ops, Value u, Value bias) {
            for (int k = 0; k < ops; k++) {
                Value a = pool.get(pick.nextInt(pool.size()));
                Value z = pool.get(pick.nextInt(pool.size()));
                pool.add(switch (pick.nextInt(16)) {
                    case 0 -> b.tanh(a);
                    case 1 -> b.sigmoid(a);
                    case 2 -> b.add(a, z);
                    case 3 -> b.sub(a, b.mul(z, b.scalar(0.5, F64)));
                    case 4 -> b.mul(a, b.tanh(z));
                    case 5 -> b.add(a, bias);
                    case 6 -> b.matmul(a, u);
                    case 7 -> b.tanh(b.matmul(a, u, false, true));
                    case 8 -> b.exp(b.tanh(a));
                    case 9 -> b.div(a, b.add(b.exp(z), b.scalar(1, F64)));
                    case 10 -> b.where(b.less(a, z), a, b.neg(z));
                    case 11 -> b.maximum(a, b.unary(UnaryFn.SQUARE, b.tanh(z)));
                    // Data movement: halves of a concat, a transposed round trip, a row sum broadcast back.
                    case 12 -> {
                        Value cat = b.concat(1, List.of(a, b.tanh(z)));
                        yield pick.nextBoolean() ? b.slice(cat, 1, h, 2 * h) : b.add(b.slice(cat, 1, 0, h), b.slice(cat, 1, h, 2 * h));
                    }
                    case 13 -> b.transpose(b.sigmoid(b.transpose(a, 1, 0)), 1, 0);
                    case 14 -> b.mul(a, b.reshape(b.tanh(b.sum(z, 1)), "B", 1));
                    default -> b.binary(BinaryFn.ADD, b.softmax(a, 1), b.mul(z, bias));
                });
            }
        }
    }
}
