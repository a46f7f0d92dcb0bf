package dev.spool.compiler.lower;

import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.graph.ResourceLimitException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.CheckLengths;
import dev.spool.ops.internal.Concat;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Fused;
import dev.spool.ops.internal.Index;
import dev.spool.ops.internal.Iota;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Reduce;
import dev.spool.ops.internal.Slice;
import dev.spool.ops.internal.Softmax;
import dev.spool.ops.internal.Stack;
import dev.spool.ops.internal.Transpose;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.program.internal.Buffer;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lowers an optimised graph whose dims are all sizes (see {@code Pipeline.compile}) to the
 * reference {@link Program}: buffers and instructions over views, one instruction (or a few) per
 * op and a loop per scan, with no optimisation of its own. The Program passes
 * ({@link GemmBiasEpilogue}, {@link PairCrossEntropy}, {@link SplitKernels}, {@link InPlaceCarries},
 * {@link MemoryPlanning}) rewrite its result.
 *
 * <p>Data movement that only re-addresses elements (slice, index, transpose, reshape of contiguous
 * data) becomes a view, not a copy; elementwise ops and fused groups become generated kernels;
 * matrix products become GEMMs on strided views (a transposed operand flips a flag, never a copy).
 *
 * <p>A scan becomes a {@link Instr.Loop}. Each carry lives in a slot buffer for the whole loop and
 * its next value is copied there at the end of the step (unless it is the old value unchanged);
 * {@link InPlaceCarries} later makes the producer write the slot directly where that is safe.
 * Per-step outputs are written by their producer directly
 * into row t of a stacked buffer, sequences are read as row t of theirs, so a steady-state step
 * allocates nothing. A masked scan ends each step with a
 * {@link Instr.MaskStep} that keeps inactive rows' carries and zeroes their outputs.
 */
public final class Lowering {
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Program.Feed> feeds = new ArrayList<>();
    private Lowering() {
    }

    /**
     * The graph with every symbolic dim replaced by its size from {@code dims}, products included
     * ({@code T*B}); a symbol missing from {@code dims} is an error naming it.
     *
     * <pre>{@code Graph g = Lowering.bind(graph, Map.of("T", 35, "B", 32));}</pre>
     */
    public static Graph bind(Graph graph, Map<String, Integer> dims) {
        return graph.mapDims(d -> {
            long size = 1;
            for (Dim f : d.factors()) {
                if (f instanceof Dim.Sym s) {
                    Integer v = dims.get(s.name());
                    if (v == null) {
                        throw new InputException("symbolic dimension " + s.name() + " is not bound; bound are " + dims.keySet());
                    }
                    size *= v;
                } else {
                    size *= f.size();
                }
            }
            return Dim.of(Math.toIntExact(size));
        });
    }

    /**
     * Lowers a graph whose dims are all sizes (see {@link #bind}).
     *
     * <pre>{@code Program p = Lowering.lower(Lowering.bind(graph, Map.of("T", 35, "B", 32)));}</pre>
     */
    public static Program lower(Graph graph) {
        Graph g = bind(graph, Map.of());
        Lowering l = new Lowering();
        Scope top = l.new Scope(0, new HashMap<>());
        for (Value p : g.params()) {
            Source src = g.source(p);
            int[] shape = src.type().shape().sizes();
            Buffer b = l.newBuffer(src.type().dtype(), shape, src.label(), null, true);
            l.feeds.add(new Program.Feed(src.label(), b.id(), src.type().dtype(), shape));
            top.env.put(Key.Orig.of(p), View.contiguous(b.id(), shape));
        }
        top.lowerNodes(g);
        List<Program.Result> results = new ArrayList<>();
        for (int i = 0; i < g.results().size(); i++) {
            Value r = g.results().get(i);
            results.add(new Program.Result(g.resultNames().get(i), top.view(r), r.dtype()));
        }
        return new Program(l.buffers, top.code, l.feeds, results);
    }

    private Buffer newBuffer(DType dtype, int[] shape, String name, dev.spool.graph.Tensor constant, boolean feed) {
        long volume = 1;
        for (int s : shape) {
            volume *= s;
        }
        if (volume > Integer.MAX_VALUE) {
            // Views address elements with ints: refuse here, naming the size, rather than overflow.
            long bytes = volume * dtype.byteSize();
            throw new ResourceLimitException(String.format("this program needs %,d bytes (%.1f GB) of working memory for %s alone; a buffer"
                    + " holds at most 2^31 - 1 elements", bytes, bytes / 1e9, name), bytes);
        }
        int n = (int) volume;
        Buffer b = new Buffer(buffers.size(), dtype, n, name, constant, feed);
        buffers.add(b);
        return b;
    }

    /** Instructions of one graph (the top level or a scan body) at a loop depth. */
    private final class Scope {
        final int depth;
        final Map<Key, View> env = new HashMap<>();
        /** Destinations fixed before the producer is lowered: stacked output rows, carry slots. */
        final Map<Key, List<View>> homes;
        final List<Instr> code = new ArrayList<>();

        Scope(int depth, Map<Key, List<View>> homes) {
            this.depth = depth;
            this.homes = homes;
        }

        View view(Value v) {
            View x = env.get(Key.Orig.of(v));
            if (x == null) {
                throw new IllegalStateException("value " + v + " has no lowered view");
            }
            return x;
        }

        void lowerNodes(Graph g) {
            for (Node n : g.nodes()) {
                if (n.op() instanceof Source) {
                    continue;
                }
                if (n.op() instanceof Constant c) {
                    int[] shape = n.outputs().get(0).shape().sizes();
                    Buffer b = newBuffer(c.value().dtype(), shape, "constant%" + n.id(), c.value(), false);
                    place(n.output(0), View.contiguous(b.id(), shape));
                } else if (n.op() instanceof ScanOp) {
                    lowerScan(n);
                } else {
                    lowerPrimitive(n, (Primitive) n.op());
                }
            }
        }

        /** Where the producer of v should write: its homes, or a fresh buffer. */
        List<View> destinations(Value v) {
            List<View> h = homes.get(Key.Orig.of(v));
            if (h != null && !h.isEmpty()) {
                return h;
            }
            int[] shape = v.shape().sizes();
            Buffer b = newBuffer(v.dtype(), shape, "%" + v.node() + (v.index() == 0 ? "" : "." + v.index()), null, false);
            return List.of(View.contiguous(b.id(), shape));
        }

        /** The first destination of v, contiguous (a fresh buffer when the home is strided). */
        View contiguousDestination(Value v) {
            View d = destinations(v).get(0);
            if (d.isContiguous()) {
                return d;
            }
            int[] shape = v.shape().sizes();
            return View.contiguous(newBuffer(v.dtype(), shape, "%" + v.node(), null, false).id(), shape);
        }

        /** Records v's view and copies it to every home it is not already in. */
        void place(Value v, View at) {
            env.put(Key.Orig.of(v), at);
            List<View> h = homes.get(Key.Orig.of(v));
            if (h != null) {
                for (View home : h) {
                    if (!home.equals(at)) {
                        code.add(new Instr.Copy(at, home));
                    }
                }
            }
        }

        View contiguous(View x, DType dtype) {
            if (x.isContiguous()) {
                return x;
            }
            View c = View.contiguous(newBuffer(dtype, x.shape(), "contiguous", null, false).id(), x.shape());
            code.add(new Instr.Copy(x, c));
            return c;
        }

        private void lowerPrimitive(Node n, Primitive p) {
            Value out = n.output(0);
            int[] outShape = out.shape().sizes();
            List<View> ins = n.inputs().stream().map(this::view).toList();
            switch (p.code()) {
                case UNARY, BINARY, COMPARE, WHERE, CAST, FUSED -> lowerKernel(n, p, ins);
                case MATMUL -> lowerMatMul(n, (MatMul) p, ins);
                case TRANSPOSE -> place(out, ins.get(0).transpose(((Transpose) p).perm().stream().mapToInt(Integer::intValue).toArray()));
                case RESHAPE -> place(out, contiguous(ins.get(0), out.dtype()).reshape(outShape));
                case SLICE -> {
                    Slice s = (Slice) p;
                    place(out, ins.get(0).slice(Math.floorMod(s.axis(), ins.get(0).rank()), s.start(), s.end()));
                }
                case INDEX -> {
                    Index ix = (Index) p;
                    place(out, ins.get(0).index(Math.floorMod(ix.axis(), ins.get(0).rank()), ix.index()));
                }
                case CONCAT -> {
                    int axis = Math.floorMod(((Concat) p).axis(), outShape.length);
                    View dst = destinations(out).get(0);
                    int at = 0;
                    for (View part : ins) {
                        code.add(new Instr.Copy(part, dst.slice(axis, at, at + part.dim(axis))));
                        at += part.dim(axis);
                    }
                    place(out, dst);
                }
                case STACK -> {
                    int axis = Math.floorMod(((Stack) p).axis(), outShape.length);
                    View dst = destinations(out).get(0);
                    for (int i = 0; i < ins.size(); i++) {
                        code.add(new Instr.Copy(ins.get(i), dst.index(axis, i)));
                    }
                    place(out, dst);
                }
                case PAD -> {
                    Pad pad = (Pad) p;
                    int axis = Math.floorMod(pad.axis(), outShape.length);
                    View dst = destinations(out).get(0);
                    code.add(new Instr.Fill(dst, 0));
                    code.add(new Instr.Copy(ins.get(0), dst.slice(axis, pad.before(), pad.before() + ins.get(0).dim(axis))));
                    place(out, dst);
                }
                case GATHER -> {
                    View table = contiguous(ins.get(0), n.inputs().get(0).dtype());
                    int rows = table.dim(0);
                    View dst = contiguousDestination(out);
                    int idx = ins.get(1).size();
                    code.add(new Instr.Gather(table.reshape(new int[] {rows, table.size() / Math.max(1, rows)}), flat(ins.get(1), n.inputs().get(1).dtype()),
                            dst.reshape(new int[] {idx, dst.size() / Math.max(1, idx)})));
                    place(out, dst);
                }
                case SCATTER_ADD -> {
                    View idx = flat(ins.get(0), n.inputs().get(0).dtype());
                    View upd = contiguous(ins.get(1), n.inputs().get(1).dtype());
                    View dst = contiguousDestination(out);
                    int rows = outShape[0];
                    code.add(new Instr.ScatterAdd(idx, upd.reshape(new int[] {idx.size(), upd.size() / Math.max(1, idx.size())}),
                            dst.reshape(new int[] {rows, dst.size() / Math.max(1, rows)})));
                    place(out, dst);
                }
                case ONE_HOT -> {
                    View idx = flat(ins.get(0), n.inputs().get(0).dtype());
                    View dst = contiguousDestination(out);
                    code.add(new Instr.OneHot(idx, dst.reshape(new int[] {idx.size(), outShape[outShape.length - 1]})));
                    place(out, dst);
                }
                case REDUCE -> {
                    Reduce r = (Reduce) p;
                    View dst = destinations(out).get(0);
                    int[] axes = r.axesFor(ins.get(0).rank()).stream().mapToInt(Integer::intValue).toArray();
                    code.add(new Instr.Reduce(r.fn(), ins.get(0), dst, axes));
                    place(out, dst);
                }
                case SOFTMAX -> {
                    Softmax s = (Softmax) p;
                    View dst = destinations(out).get(0);
                    code.add(new Instr.Softmax(ins.get(0), dst, Math.floorMod(s.axis(), outShape.length), s.log()));
                    place(out, dst);
                }
                case CROSS_ENTROPY -> {
                    View logits = contiguous(ins.get(0), n.inputs().get(0).dtype());
                    int classes = logits.dim(logits.rank() - 1);
                    View dst = destinations(out).get(0);
                    code.add(new Instr.CrossEntropy(logits.reshape(new int[] {logits.size() / Math.max(1, classes), classes}),
                            flat(ins.get(1), n.inputs().get(1).dtype()), dst));
                    place(out, dst);
                }
                case CROSS_ENTROPY_GRAD -> {
                    View logits = contiguous(ins.get(0), n.inputs().get(0).dtype());
                    int classes = logits.dim(logits.rank() - 1);
                    int rows = logits.size() / Math.max(1, classes);
                    View dst = contiguousDestination(out);
                    code.add(new Instr.CrossEntropyGrad(logits.reshape(new int[] {rows, classes}), flat(ins.get(1), n.inputs().get(1).dtype()),
                            ins.get(2), dst.reshape(new int[] {rows, classes}), null));
                    place(out, dst);
                }
                case FILL -> {
                    View dst = destinations(out).get(0);
                    code.add(new Instr.Fill(dst, ((Fill) p).value()));
                    place(out, dst);
                }
                case CHECK_LENGTHS -> {
                    code.add(new Instr.CheckLengths(flat(ins.get(0), out.dtype()), ((CheckLengths) p).steps().size(), ((CheckLengths) p).label()));
                    place(out, ins.get(0));
                }
                case IOTA -> {
                    View dst = destinations(out).get(0);
                    code.add(new Instr.Iota(dst, ((Iota) p).axis()));
                    place(out, dst);
                }
            }
        }

        /** A 1-D contiguous view of x's elements. */
        private View flat(View x, DType dtype) {
            return contiguous(x, dtype).reshape(new int[] {x.size()});
        }

        private void lowerKernel(Node n, Primitive p, List<View> ins) {
            Graph expr = p instanceof Fused f ? f.body() : singleOpExpression(n);
            int[] shape = n.outputs().get(0).shape().sizes();
            Map<Value, View> at = new HashMap<>();
            for (int i = 0; i < ins.size(); i++) {
                at.put(expr.params().get(i), ins.get(i).broadcastTo(shape));
            }
            // Each group output goes to every destination of the node's output; the first is read back if needed.
            Map<Value, List<View>> dests = new HashMap<>();
            for (int i = 0; i < n.outputs().size(); i++) {
                dests.computeIfAbsent(expr.results().get(i), v -> new ArrayList<>()).addAll(destinations(n.output(i)));
            }
            for (KernelSplit.Part part : KernelSplit.parts(expr, Integer.MAX_VALUE)) {
                List<View> inputs = part.inputs().stream().map(at::get).toList();
                List<View> outputs = new ArrayList<>();
                List<Value> written = new ArrayList<>();
                for (Value v : part.outputs()) {
                    List<View> d = dests.get(v);
                    if (d == null) {
                        int[] sh = shape;
                        d = List.of(View.contiguous(newBuffer(v.dtype(), sh, "%" + n.id() + " part", null, false).id(), sh));
                    }
                    for (View view : d) {
                        outputs.add(view);
                        written.add(v);
                    }
                    at.put(v, d.get(0));
                }
                code.add(new Instr.Kernel(part.expression(written), inputs, outputs, shape));
            }
            for (int i = 0; i < n.outputs().size(); i++) {
                env.put(new Key.Orig(n.id(), i), at.get(expr.results().get(i)));
            }
        }

        private void lowerMatMul(Node n, MatMul mm, List<View> ins) {
            Value out = n.output(0);
            DType dt = out.dtype();
            View a = ins.get(0);
            View b = ins.get(1);
            View dst = destinations(out).get(0);
            if (!dst.isContiguous() && dst.strides()[dst.rank() - 1] != 1) {
                dst = contiguousDestination(out);
            }
            int ra = a.rank();
            int rb = b.rank();
            int m = a.dim(ra - (mm.transA() ? 1 : 2));
            int k = a.dim(ra - (mm.transA() ? 2 : 1));
            int nn = b.dim(rb - (mm.transB() ? 2 : 1));
            View a2 = rb == 2 && !mm.transA() ? foldRows(a) : null;
            View c2 = a2 != null ? foldRows(dst) : null;
            if (a2 != null && c2 != null) {
                // (..., M, K) x (K, N): the batch folds into M, one GEMM (e.g. all time steps at once).
                gemm(dt, a2, b, c2, false, mm.transB(), a2.dim(0), nn, k);
            } else if (!batchedGemm(dt, a, b, dst, mm, m, nn, k)) {
                int[] batch = Arrays.copyOf(dst.shape(), dst.rank() - 2);
                int count = 1;
                for (int s : batch) {
                    count *= s;
                }
                int[] pos = new int[batch.length];
                for (int i = 0; i < count; i++) {
                    gemm(dt, matrixAt(a, pos), matrixAt(b, pos), matrixAt(dst, pos), mm.transA(), mm.transB(), m, nn, k);
                    for (int ax = batch.length - 1; ax >= 0; ax--) {
                        if (++pos[ax] < batch[ax]) {
                            break;
                        }
                        pos[ax] = 0;
                    }
                }
            }
            place(out, dst);
        }

        /** The 2-D matrix of a batched view at batch position pos (right-aligned, broadcasting size-1 axes). */
        /**
         * (..., M, K) x (..., K, N) as one strided-batched GEMM (e.g. the input projection of a
         * batch-first sequence, whose time steps do not fold into rows), when every operand's batch
         * axes collapse onto one stride and its matrices need no copy; false otherwise. One
         * instruction whatever the batch, so the program's shape does not depend on the sizes.
         */
        private boolean batchedGemm(DType dt, View a, View b, View dst, MatMul mm, int m, int nn, int k) {
            int lead = dst.rank() - 2;
            if (lead < 1) {
                return false;
            }
            int[] batch = Arrays.copyOf(dst.shape(), lead);
            int count = 1;
            for (int s : batch) {
                count *= s;
            }
            if (count == 0) {
                return true;   // an empty batch computes nothing
            }
            Integer sa = batchStride(a, batch);
            Integer sb = batchStride(b, batch);
            Integer sc = batchStride(dst, batch);
            if (sa == null || sb == null || sc == null) {
                return false;
            }
            int[] zero = new int[lead];
            Operand oa = directOperand(matrixAt(a, zero), mm.transA());
            Operand ob = directOperand(matrixAt(b, zero), mm.transB());
            View c0 = rowMajorOrNull(matrixAt(dst, zero));
            if (oa == null || ob == null || c0 == null) {
                return false;
            }
            code.add(new Instr.Gemm(dt, oa.matrix(), ob.matrix(), c0, oa.transposed(), ob.transposed(), m, nn, k, 0, count, sa, sb, sc));
            return true;
        }

        /** The element stride between consecutive batch entries of x (0 without batch axes), or null when its batch axes do not collapse onto one. */
        private Integer batchStride(View x, int[] batch) {
            int lead = x.rank() - 2;
            if (lead == 0) {
                return 0;
            }
            if (lead != batch.length) {
                return null;
            }
            int stride = -1;
            long expect = 0;
            for (int i = lead - 1; i >= 0; i--) {
                if (x.dim(i) != batch[i]) {
                    return null;
                }
                if (batch[i] == 1) {
                    continue;
                }
                if (stride < 0) {
                    stride = x.strides()[i];
                    expect = (long) stride * batch[i];
                } else if (x.strides()[i] != expect) {
                    return null;
                } else {
                    expect *= batch[i];
                }
            }
            return Math.max(stride, 0);
        }

        /** x as a BLAS operand without copying (possibly transposed), or null when it would need a copy. */
        private Operand directOperand(View x, boolean trans) {
            View rm = rowMajorOrNull(x);
            if (rm != null) {
                return new Operand(rm, trans);
            }
            View cm = rowMajorOrNull(x.transpose(new int[] {1, 0}));
            return cm != null ? new Operand(cm, !trans) : null;
        }

        private View matrixAt(View x, int[] pos) {
            View v = x;
            int lead = x.rank() - 2;
            for (int ax = lead - 1; ax >= 0; ax--) {
                int p = pos[pos.length - lead + ax];
                v = v.index(ax, v.dim(ax) == 1 ? 0 : p);
            }
            return v;
        }

        /** x (..., R, C) as (N·R, C) when its leading axes collapse onto one row stride, else null. */
        private View foldRows(View x) {
            int r = x.rank();
            if (x.strides()[r - 1] != 1 && x.dim(r - 1) != 1) {
                return null;
            }
            for (int i = r - 3; i >= 0; i--) {
                if (x.dim(i) != 1 && x.strides()[i] != x.strides()[i + 1] * x.dim(i + 1)) {
                    return null;
                }
            }
            int rows = x.size() / Math.max(1, x.dim(r - 1));
            return new View(x.buffer(), x.offset(), new int[] {rows, x.dim(r - 1)}, new int[] {x.strides()[r - 2], 1}, x.loopStrides());
        }

        /** A GEMM operand: a row-major matrix view, read transposed or not. */
        private record Operand(View matrix, boolean transposed) {
        }

        /**
         * Emits one GEMM with β = 0 ({@link GemmBiasEpilogue} turns a following bias add into β = 1);
         * a column-major operand view is its transpose in row-major, so it flips the flag.
         */
        private void gemm(DType dt, View a, View b, View c, boolean ta, boolean tb, int m, int n, int k) {
            Operand oa = operand(a, ta, dt);
            Operand ob = operand(b, tb, dt);
            View cc = rowMajorOrNull(c);
            if (cc == null) {
                cc = View.contiguous(newBuffer(dt, c.shape(), "gemm-out", null, false).id(), c.shape());
            }
            code.add(new Instr.Gemm(dt, oa.matrix(), ob.matrix(), cc, oa.transposed(), ob.transposed(), m, n, k, 0, 1, 0, 0, 0));
            if (!cc.equals(c)) {
                code.add(new Instr.Copy(cc, c));
            }
        }

        private Operand operand(View x, boolean trans, DType dt) {
            Operand direct = directOperand(x, trans);
            return direct != null ? direct : new Operand(contiguous(x, dt), trans);
        }

        /**
         * x with a unit column stride and a leading dimension >= its columns, as BLAS requires, or
         * null when x is not laid out that way (size-1 axes may carry any stride, so they are fixed up).
         */
        private View rowMajorOrNull(View x) {
            int rows = x.dim(0);
            int cols = x.dim(1);
            int[] st = x.strides().clone();
            if (cols == 1) {
                st[1] = 1;
            }
            if (rows == 1) {
                st[0] = Math.max(1, cols);
            }
            if (st[1] != 1 || st[0] < Math.max(1, cols)) {
                return null;
            }
            return new View(x.buffer(), x.offset(), x.shape(), st, x.loopStrides());
        }

        private void lowerScan(Node n) {
            ScanOp scan = (ScanOp) n.op();
            Graph body = scan.body();
            int nc = scan.numCarries();
            List<View> ops = n.inputs().stream().map(this::view).toList();
            int steps = scan.length().size();
            int level = depth;
            boolean masked = scan.masking() != ScanOp.Masking.NONE;
            View maskOperand = masked ? ops.get(ops.size() - 1) : null;
            if (scan.masking() == ScanOp.Masking.LENGTHS) {
                code.add(new Instr.CheckLengths(flat(maskOperand, n.inputs().get(n.inputs().size() - 1).dtype()), steps, n.label()));
            }
            // Carry slots, initialised before the loop.
            List<View> slots = new ArrayList<>();
            for (int i = 0; i < nc; i++) {
                Value init = n.inputs().get(i);
                int[] shape = init.shape().sizes();
                View slot = View.contiguous(newBuffer(init.dtype(), shape, n.label() + " carry " + scan.carryName(i), null, false).id(), shape);
                code.add(new Instr.Copy(ops.get(i), slot));
                slots.add(slot);
            }
            // Stacked outputs: the scan output's destination (a home if it has one), row t per step.
            List<View> stacked = new ArrayList<>();
            for (int j = 0; j < scan.numOutputs(); j++) {
                stacked.add(contiguousDestination(n.output(nc + j)));
            }
            Map<Key, List<View>> bodyHomes = new HashMap<>();
            List<View> stepOut = new ArrayList<>();
            for (int j = 0; j < stacked.size(); j++) {
                View s = stacked.get(j);
                View row = s.index(0, 0).atLoop(level, s.strides()[0]);
                stepOut.add(row);
                Value r = body.results().get(nc + j);
                if (!isParamOrConstant(body, r)) {
                    bodyHomes.computeIfAbsent(Key.Orig.of(r), k -> new ArrayList<>()).add(row);
                }
            }
            Set<Integer> coalesced = new HashSet<>();
            if (!masked) {
                for (int i = 0; i < nc; i++) {
                    if (body.results().get(i).equals(body.params().get(i))) {
                        coalesced.add(i); // the carry passes through unchanged
                    }
                }
            }
            Scope inner = new Scope(depth + 1, bodyHomes);
            ScanOp.Operands<Value> params = scan.split(body.params());
            ScanOp.Operands<View> in = scan.split(ops);
            for (int i = 0; i < nc; i++) {
                inner.env.put(Key.Orig.of(params.carries().get(i)), slots.get(i));
            }
            for (int i = 0; i < params.sequences().size(); i++) {
                View seq = in.sequences().get(i);
                inner.env.put(Key.Orig.of(params.sequences().get(i)), seq.index(0, 0).atLoop(level, seq.strides()[0]));
            }
            for (int i = 0; i < params.invariants().size(); i++) {
                inner.env.put(Key.Orig.of(params.invariants().get(i)), in.invariants().get(i));
            }
            // Step outputs that are params or constants are copied first, before any carry slot changes.
            for (Node m : body.nodes()) {
                if (m.op() instanceof Constant) {
                    inner.lowerNodes(new Graph(List.of(m), List.of(), List.of(), List.of()));
                }
            }
            for (int j = 0; j < stacked.size(); j++) {
                Value r = body.results().get(nc + j);
                if (isParamOrConstant(body, r)) {
                    inner.code.add(new Instr.Copy(inner.view(r), stepOut.get(j)));
                }
            }
            inner.lowerNodes(withoutConstants(body));
            List<View> next = new ArrayList<>();
            for (int i = 0; i < nc; i++) {
                next.add(inner.view(body.results().get(i)));
            }
            // A next value read from a carry's slot (the slot or a view of it) is saved first: the slots change below.
            for (int i = 0; i < nc; i++) {
                int buffer = next.get(i).buffer();
                if (!coalesced.contains(i) && slots.stream().anyMatch(slot -> slot.buffer() == buffer)) {
                    View tmp = View.contiguous(newBuffer(body.results().get(i).dtype(), next.get(i).shape(), "carry-save", null, false).id(),
                            next.get(i).shape());
                    inner.code.add(new Instr.Copy(next.get(i), tmp));
                    next.set(i, tmp);
                }
            }
            if (masked) {
                View active = scan.masking() == ScanOp.Masking.LENGTHS ? flat(maskOperand, n.inputs().get(n.inputs().size() - 1).dtype())
                        : maskOperand.index(0, 0).atLoop(level, maskOperand.strides()[0]);
                inner.code.add(new Instr.MaskStep(level, active, scan.masking() == ScanOp.Masking.LENGTHS, next, slots, stepOut));
            } else {
                for (int i = 0; i < nc; i++) {
                    if (!coalesced.contains(i)) {
                        inner.code.add(new Instr.Copy(next.get(i), slots.get(i)));
                    }
                }
            }
            code.add(new Instr.Loop(level, steps, scan.reverse(), inner.code, n.label()));
            for (int i = 0; i < nc; i++) {
                place(n.output(i), slots.get(i));
            }
            for (int j = 0; j < stacked.size(); j++) {
                place(n.output(nc + j), stacked.get(j));
            }
        }
    }

    private static boolean isParamOrConstant(Graph body, Value v) {
        Node p = body.node(v.node());
        return p.op() instanceof Source || p.op() instanceof Constant;
    }

    private static Graph withoutConstants(Graph body) {
        List<Node> rest = body.nodes().stream().filter(m -> !(m.op() instanceof Constant)).toList();
        return new Graph(rest, body.params(), body.results(), body.resultNames());
    }

    /** A one-node expression graph for a single elementwise op. */
    private static Graph singleOpExpression(Node n) {
        Builder b = new Builder();
        List<Value> params = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            TensorType t = n.inputs().get(i).type();
            params.add(b.input("in" + i, t.dtype(), t.shape().dims().toArray()));
        }
        Value r = b.apply1(n.op(), params.toArray(Value[]::new));
        return b.build("out0", r);
    }
}
