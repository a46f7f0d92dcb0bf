package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Prepares each instruction of a planned program as an {@link Exec} over the arena. */
final class ExecBuilder implements Instr.Visitor<Exec> {
    private final Program program;
    private final long[] offsets;
    private final ByteBuffer mem;
    private final Blas.Operands blas;
    private final int lanes;
    private final List<String> kernelSources = new ArrayList<>();
    private final Profile profile;
    private final KernelProvider kernels;

    ExecBuilder(Program program, long[] offsets, ByteBuffer mem, int lanes, Profile profile, KernelProvider kernels) {
        this.program = program;
        this.offsets = offsets;
        this.mem = mem;
        this.blas = new Blas.Operands(mem);
        this.lanes = lanes;
        this.profile = profile;
        this.kernels = kernels;
    }

    Exec[] build(List<Instr> code) {
        List<Exec> out = new ArrayList<>();
        for (int at = 0; at < code.size(); at++) {
            Instr i = code.get(at);
            Exec s = i.accept(this);
            if (s instanceof PackedGemm packed && gemmEpilogue) {
                at += fuseEpilogue(packed, (Instr.Gemm) i, code.subList(at + 1, code.size()));
            }
            if (s != null) {
                out.add(profile == null ? s : profile.wrap(s, i));
            }
        }
        return out.toArray(Exec[]::new);
    }

    /**
     * Whether a packed product runs the kernels right after it in its chunks ({@link GemmEpilogue}):
     * on unless {@code -Dspool.gemmEpilogue=false} (read per program, so a test can compare both).
     */
    private final boolean gemmEpilogue = !"false".equals(System.getProperty("spool.gemmEpilogue"));

    /**
     * Moves the kernels that follow {@code g} into its chunks as far as they qualify (see
     * {@link #epilogueKernel}); returns how many instructions it took.
     */
    private int fuseEpilogue(PackedGemm packed, Instr.Gemm g, List<Instr> next) {
        int[] parts = PackedGemm.rowParts(g.m());
        if (parts == null || g.beta() != 0 || !PackedGemm.epilogueFits(g.n(), g.k())) {
            return 0;
        }
        GemmEpilogue.Builder epilogue = new GemmEpilogue.Builder(parts);
        List<Instr.Kernel> fused = new ArrayList<>();
        for (Instr i : next) {
            if (!(i instanceof Instr.Kernel k)) {
                break;
            }
            List<View> operands = operands(k);
            KernelLayout layout = KernelLayout.of(k.shape(), operands);
            if (!epilogueKernel(g, k, layout, operands, fused)) {
                break;
            }
            PreparedKernel pk = prepare(k, layout, operands);
            int[] rowBytes = operands.stream().mapToInt(v -> v.strides()[0] * size(v)).toArray();
            epilogue.add(pk.kernel(), pk.args(), layout.rank(), rowBytes, pk.moving(), pk.slots());
            fused.add(k);
        }
        if (fused.isEmpty()) {
            return 0;
        }
        packed.epilogue(epilogue.build(mem));
        return fused.size();
    }

    /**
     * Whether kernel {@code k} may run part by part of the rows, each part right after the product's
     * chunk that finished those rows of C, after the kernels already {@code fused}: its iteration
     * space is (the product's m rows) × units, collapsed to rank 2 with the rows outermost or to one
     * axis; its operands are F32 arena views; what it reads of the product's C lies within C's
     * columns, row for row; it writes nothing the product reads or writes (the product's A is copied
     * before the chunks start, so A may be written); and what it writes, any fused kernel (itself
     * included) touches at the same step only through the very same view, so that a part never
     * reads or writes another part's rows.
     */
    private boolean epilogueKernel(Instr.Gemm g, Instr.Kernel k, KernelLayout layout, List<View> operands, List<Instr.Kernel> fused) {
        int[] shape = k.shape();
        if (shape.length != 2 || shape[0] != g.m() || layout.isEmpty() || layout.rank() > 2
                || (layout.rank() == 2 && layout.sizes()[0] != g.m()) || (layout.rank() == 1 && layout.sizes()[0] != g.m() * shape[1])) {
            return false;
        }
        for (View v : operands) {
            if (v.buffer() < 0 || size(v) != 4 || v.rank() != 2) {
                return false;
            }
        }
        View c = g.c();
        for (View in : k.inputs()) {
            if (overlaps(in, c) && !rowsOf(in, c, g.n())) {
                return false;
            }
        }
        List<View> touched = new ArrayList<>(k.inputs());
        for (Instr.Kernel f : fused) {
            touched.addAll(operands(f));
        }
        for (View out : k.outputs()) {
            if (overlaps(out, c) || overlaps(out, g.b()) || out.strides()[0] == 0) {
                return false;
            }
            for (View v : touched) {
                if (viewsOverlap(out, v) && !sameView(out, v)) {
                    return false;
                }
            }
        }
        for (View in : k.inputs()) {
            for (Instr.Kernel f : fused) {
                for (View w : f.outputs()) {
                    if (viewsOverlap(in, w) && !sameView(in, w)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Whether {@code v}'s row i lies within row i of the product's C (n columns), for every row. */
    private static boolean rowsOf(View v, View c, int n) {
        if (v.buffer() != c.buffer() || c.rank() != 2 || v.strides()[0] != c.strides()[0] || c.strides()[1] != 1 || v.strides()[1] < 0
                || !java.util.Arrays.equals(v.loopStrides(), c.loopStrides())) {
            return false;
        }
        int delta = v.offset() - c.offset();
        return delta >= 0 && delta + (v.dim(1) - 1) * v.strides()[1] < n;
    }

    private boolean overlaps(View x, View y) {
        if (x.buffer() < 0 || y.buffer() < 0) {
            return false;
        }
        long xFrom = offsets[x.buffer()];
        long xTo = xFrom + program.buffer(x.buffer()).bytes();
        long yFrom = offsets[y.buffer()];
        long yTo = yFrom + program.buffer(y.buffer()).bytes();
        return xFrom < yTo && yFrom < xTo;
    }

    /** Whether two views may share bytes at the same step of the loops (see {@link View#apartFrom}). */
    private boolean viewsOverlap(View x, View y) {
        return !x.apartFrom(y) && overlaps(x, y);
    }

    /** Whether two views are the same view: {@link #sameElements} and the same shape. */
    private static boolean sameView(View x, View y) {
        return sameElements(x, y) && java.util.Arrays.equals(x.shape(), y.shape());
    }

    /** Whether an index maps to the same element in both views: same buffer, offset, strides and loop strides. */
    private static boolean sameElements(View x, View y) {
        return x.buffer() == y.buffer() && x.offset() == y.offset() && java.util.Arrays.equals(x.strides(), y.strides())
                && java.util.Arrays.equals(x.loopStrides(), y.loopStrides());
    }

    private static List<View> operands(Instr.Kernel k) {
        List<View> operands = new ArrayList<>(k.inputs());
        operands.addAll(k.outputs());
        return operands;
    }

    /** Sources of the kernels this builder prepared, in order. */
    List<String> kernelSources() {
        return kernelSources;
    }

    private DType dtype(View v) {
        return program.buffer(v.buffer()).dtype();
    }

    private int size(View v) {
        return dtype(v).byteSize();
    }

    private Exec.Address address(View v) {
        return Exec.Address.of(v, offsets[v.buffer()], size(v));
    }

    private Exec.Walk walkOf(int[] shape, View... operands) {
        int[] es = new int[operands.length];
        for (int i = 0; i < es.length; i++) {
            es[i] = operands[i].buffer() < 0 ? 1 : size(operands[i]);
        }
        return new Exec.Walk(KernelLayout.of(shape, List.of(operands)), es);
    }

    private int[] byteStrides(View v) {
        int[] s = new int[v.rank()];
        for (int i = 0; i < s.length; i++) {
            s[i] = v.strides()[i] * size(v);
        }
        return s;
    }

    /** The loop being built: its level, the arena byte ranges its body writes, and the packers of its invariant GEMMs. */
    private record LoopContext(int level, List<long[]> written, List<Exec> packers) {
    }

    private final java.util.ArrayDeque<LoopContext> loops = new java.util.ArrayDeque<>();

    /** Whether a packed form is on: {@code -Dspool.packedGemm=false} keeps every GEMM on OpenBLAS. */
    static final boolean PACKED_GEMM = !"false".equals(System.getProperty("spool.packedGemm"));

    /**
     * Whether {@code b} holds the same values at every step of the innermost loop being built: its
     * address does not move with that loop or any inside it, and nothing in the loop's body writes
     * the arena bytes it covers.
     */
    private boolean invariantInLoop(View b) {
        LoopContext l = loops.peek();
        if (l == null) {
            return false;
        }
        int[] ls = b.loopStrides();
        for (int d = l.level(); d < ls.length; d++) {
            if (ls[d] != 0) {
                return false;
            }
        }
        long from = offsets[b.buffer()];
        long to = from + program.buffer(b.buffer()).bytes();
        for (long[] w : l.written()) {
            if (w[0] < to && from < w[1]) {
                return false;
            }
        }
        return true;
    }

    private void collectWrites(List<Instr> code, List<long[]> out) {
        for (Instr i : code) {
            if (i instanceof Instr.Loop inner) {
                collectWrites(inner.body(), out);
            }
            for (View w : i.writes()) {
                if (w.buffer() >= 0) {
                    long from = offsets[w.buffer()];
                    out.add(new long[] {from, from + program.buffer(w.buffer()).bytes()});
                }
            }
        }
    }

    public Exec visit(Instr.Gemm g) {
        int es = size(g.c());
        if (PACKED_GEMM && lanes > 0 && g.dtype() == DType.F32 && PackedGemm.suits(g.transA(), g.batch(), g.m(), g.n(), g.k())
                && invariantInLoop(g.b())) {
            PackedGemm packed = new PackedGemm(mem, address(g.a()), address(g.b()), address(g.c()), g.transB(), g.m(), g.n(), g.k(),
                    g.a().strides()[0], g.b().strides()[0], g.c().strides()[0], g.beta());
            loops.peek().packers().add(packed.packer());
            PackedGemm.startWarmup();
            return packed;
        }
        if (!g.dtype().isFloat()) {
            return new IntegerGemmExec(mem, g.dtype(), address(g.a()), address(g.b()), address(g.c()), g.transA(), g.transB(), g.m(), g.n(), g.k(),
                    new int[] {g.a().strides()[0], g.b().strides()[0], g.c().strides()[0]}, g.beta(), g.batch(),
                    new int[] {g.batchStrideA() * es, g.batchStrideB() * es, g.batchStrideC() * es});
        }
        return new GemmExec(mem, blas, g.dtype(), address(g.a()), address(g.b()), address(g.c()), g.transA(), g.transB(), g.m(), g.n(), g.k(),
                g.a().strides()[0], g.b().strides()[0], g.c().strides()[0], g.beta(), g.batch(), g.batchStrideA() * es, g.batchStrideB() * es,
                g.batchStrideC() * es);
    }

    public Exec visit(Instr.Kernel k) {
        List<View> operands = operands(k);
        KernelLayout layout = KernelLayout.of(k.shape(), operands);
        if (layout.isEmpty()) {
            return null;
        }
        PreparedKernel pk = prepare(k, layout, operands);
        return new KernelExec(mem, pk.kernel(), pk.source(), pk.args(), pk.moving(), pk.slots(),
                layout.rank(), rowsIndependent(k) && outputsMoveAlongOuterAxis(layout, k.inputs().size()),
                k.expression().operations());
    }

    /** A kernel's code and its arguments as {@link KernelExec} takes them, with the slots of the operands that move with a loop. */
    private record PreparedKernel(CpuKernel kernel, String source, int[] args, Exec.Address[] moving, int[] slots) {
    }

    private PreparedKernel prepare(Instr.Kernel k, KernelLayout layout, List<View> operands) {
        int[] sizes = operands.stream().mapToInt(this::size).toArray();
        KernelProvider.Prepared prepared = kernels.kernel(k, layout, lanes, sizes);
        kernelSources.add(prepared.source());
        CpuKernel kernel = prepared.kernel();
        int r = layout.rank();
        int[] args = new int[r + operands.size() * (1 + r)];
        System.arraycopy(layout.sizes(), 0, args, 0, r);
        List<Exec.Address> moving = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (int o = 0; o < operands.size(); o++) {
            View v = operands.get(o);
            int slot = r + o * (1 + r);
            Exec.Address a = address(v);
            args[slot] = a.base();
            for (int d = 0; d < r; d++) {
                args[slot + 1 + d] = layout.strides()[o][d] * size(v);
            }
            if (a.loopBytes().length > 0 && java.util.Arrays.stream(a.loopBytes()).anyMatch(x -> x != 0)) {
                moving.add(a);
                slots.add(slot);
            }
        }
        return new PreparedKernel(kernel, prepared.source(), args, moving.toArray(Exec.Address[]::new),
                slots.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Whether every output advances along the outermost axis: one that stays put would be written by both halves. */
    private static boolean outputsMoveAlongOuterAxis(KernelLayout layout, int inputs) {
        for (int o = inputs; o < layout.strides().length; o++) {
            if (layout.strides()[o][0] == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the kernel's rows may run on two threads at once: no output's arena bytes overlap an
     * input's, unless it is the same view (an update in place, row for row). Run in order, an output
     * that overlaps an input through another layout only overwrites rows already read; run in two
     * halves at once, the second half could overwrite rows the first has yet to read.
     */
    private boolean rowsIndependent(Instr.Kernel k) {
        for (View out : k.outputs()) {
            if (out.buffer() < 0) {
                return false;
            }
            for (View in : k.inputs()) {
                if (overlaps(in, out) && !sameElements(in, out)) {
                    return false;
                }
            }
        }
        return true;
    }

    public Exec visit(Instr.Reduce r) {
        View in = r.in();
        int[] shape = in.shape();
        boolean[] reduced = new boolean[shape.length];
        for (int a : r.axes()) {
            reduced[a] = true;
        }
        int[] acc = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (!reduced[i]) {
                acc[i] = stride;
                stride *= shape[i];
            }
        }
        View accView = new View(-1, 0, shape, acc, new int[0]);
        Exec.Walk walk = new Exec.Walk(KernelLayout.of(shape, List.of(in, accView)), new int[] {size(in), 1});
        View out = r.out();
        Exec.Walk outWalk = walkOf(out.shape(), out);
        int count = in.size() / Math.max(1, out.size());
        return new MathExecs.Reduce(mem, r.fn(), dtype(in), address(in), walk, address(out), outWalk, out.size(), count);
    }

    public Exec visit(Instr.Softmax s) {
        warmRows();
        View rowsIn = s.in().index(s.axis(), 0);
        View rowsOut = s.out().index(s.axis(), 0);
        Exec.Walk walk = walkOf(rowsIn.shape(), rowsIn, rowsOut);
        return new MathExecs.Softmax(mem, dtype(s.in()), address(s.in()), address(s.out()), walk, s.in().dim(s.axis()),
                s.in().strides()[s.axis()] * size(s.in()), s.out().strides()[s.axis()] * size(s.out()), s.log());
    }

    public Exec visit(Instr.CrossEntropy c) {
        warmRows();
        return new MathExecs.CrossEntropy(mem, dtype(c.logits()), address(c.logits()), address(c.targets()), dtype(c.targets()),
                address(c.out()), c.logits().dim(0), c.logits().dim(1));
    }

    public Exec visit(Instr.CrossEntropyGrad c) {
        warmRows();
        return new MathExecs.CrossEntropyGrad(mem, dtype(c.logits()), address(c.logits()), address(c.targets()), dtype(c.targets()),
                address(c.scale()), address(c.out()), c.loss() == null ? null : address(c.loss()), c.logits().dim(0), c.logits().dim(1));
    }

    public Exec visit(Instr.LinearCrossEntropyGrad c) {
        if (dtype(c.h()) != DType.F32) {
            throw new IllegalArgumentException("linear_xent_grad runs on F32 only, got " + dtype(c.h()) + "; recompile without the linear-xent pass");
        }
        // The exec hands these views to OpenBLAS as native pointers, where no bounds are checked: refuse any other geometry.
        int rows = c.rows();
        int classes = c.classes();
        int features = c.features();
        matrix("h", c.h(), rows, features);
        matrix("w", c.w(), classes, features);
        vector("targets", c.targets(), rows);
        vector("scale", c.scale(), 1);
        if (c.bias() != null) {
            vector("bias", c.bias(), classes);
        }
        if (c.loss() != null) {
            vector("loss", c.loss(), 1);
        }
        if (c.dh() != null) {
            matrix("dh", c.dh(), rows, features);
        }
        if (c.dw() != null) {
            matrix("dw", c.dw(), classes, features);
        }
        if (c.db() != null) {
            vector("db", c.db(), classes);
        }
        warmRows();
        return new LinearCrossEntropyExec(mem, address(c.h()), c.h().stride(0), address(c.w()), c.w().stride(0), c.bias() == null ? null : address(c.bias()),
                address(c.targets()), dtype(c.targets()), address(c.scale()), c.loss() == null ? null : address(c.loss()),
                c.dh() == null ? null : address(c.dh()), c.dh() == null ? 0 : c.dh().stride(0), c.dw() == null ? null : address(c.dw()),
                c.dw() == null ? 0 : c.dw().stride(0), c.db() == null ? null : address(c.db()), c.rows(), c.classes(), c.features());
    }

    /** A view of r×c elements with unit column stride and a row stride of at least c, not moving with a loop. */
    private static void matrix(String name, View v, int r, int c) {
        if (v.rank() != 2 || v.dim(0) != r || v.dim(1) != c || (c > 1 && v.stride(1) != 1) || (r > 1 && v.stride(0) < c) || v.isLoopVariant()) {
            throw new IllegalArgumentException("linear_xent_grad: " + name + " is " + v + ", expected a [" + r + ", " + c + "] matrix with unit column stride");
        }
    }

    /** A contiguous view of n elements, not moving with a loop. */
    private static void vector(String name, View v, int n) {
        if (v.size() != n || !v.isContiguous() || v.isLoopVariant()) {
            throw new IllegalArgumentException("linear_xent_grad: " + name + " is " + v + ", expected " + n + " contiguous elements");
        }
    }

    /** The row kernels serve F32 where the Vector API is on (as {@link MathExecs} decides): have C2 compile them early (see {@link VectorRows#warmUp}). */
    private void warmRows() {
        if (VectorSupport.floatLanes() > 0) {
            VectorRows.warmUp();
        }
    }

    public Exec visit(Instr.Gather g) {
        return new DataExecs.Gather(mem, address(g.table()), g.table().dim(0), g.table().dim(1) * size(g.table()), address(g.indices()),
                dtype(g.indices()), g.indices().size(), address(g.out()));
    }

    public Exec visit(Instr.ScatterAdd s) {
        return new DataExecs.ScatterAdd(mem, address(s.indices()), dtype(s.indices()), s.indices().size(), address(s.updates()),
                address(s.out()), s.out().dim(0), s.out().dim(1), dtype(s.out()));
    }

    public Exec visit(Instr.OneHot o) {
        return new DataExecs.OneHot(mem, address(o.indices()), dtype(o.indices()), o.indices().size(), address(o.out()), o.out().dim(1),
                dtype(o.out()));
    }

    public Exec visit(Instr.Fill f) {
        return new DataExecs.Fill(mem, address(f.out()), walkOf(f.out().shape(), f.out()), dtype(f.out()), f.value());
    }

    public Exec visit(Instr.Iota i) {
        return new DataExecs.Iota(mem, address(i.out()), i.out().shape(), byteStrides(i.out()), i.axis(), dtype(i.out()));
    }

    public Exec visit(Instr.Copy c) {
        return new DataExecs.Copy(mem, address(c.src()), address(c.dst()), walkOf(c.dst().shape(), c.src(), c.dst()), size(c.dst()));
    }

    public Exec visit(Instr.Loop l) {
        List<long[]> written = new ArrayList<>();
        collectWrites(l.body(), written);
        LoopContext context = new LoopContext(l.level(), written, new ArrayList<>());
        loops.push(context);
        try {
            Exec[] body = build(l.body());
            return new ControlExecs.Loop(l.level(), l.length(), l.reverse(), context.packers().toArray(Exec[]::new), body);
        } finally {
            loops.pop();
        }
    }

    public Exec visit(Instr.MaskStep ms) {
        List<ControlExecs.BatchRows> carries = new ArrayList<>();
        for (int i = 0; i < ms.slots().size(); i++) {
            View next = ms.next().get(i);
            View slot = ms.slots().get(i);
            View nr = next.index(0, 0);
            View sr = slot.index(0, 0);
            carries.add(new ControlExecs.BatchRows(address(nr), next.strides()[0] * size(next), address(sr), slot.strides()[0] * size(slot),
                    walkOf(sr.shape(), nr, sr), size(slot)));
        }
        List<ControlExecs.BatchRows> outputs = new ArrayList<>();
        for (View o : ms.outputs()) {
            View row = o.index(0, 0);
            outputs.add(new ControlExecs.BatchRows(null, 0, address(row), o.strides()[0] * size(o), walkOf(row.shape(), row, row), size(o)));
        }
        int batch = ms.lengths() ? ms.active().size() : ms.active().dim(0);
        return new ControlExecs.MaskStep(mem, ms.level(), address(ms.active()), dtype(ms.active()), ms.lengths(), batch, carries, outputs);
    }

    public Exec visit(Instr.CheckLengths c) {
        return new ControlExecs.CheckLengths(mem, address(c.lengths()), dtype(c.lengths()), c.lengths().size(), c.steps(), c.label());
    }

    public Exec visit(Instr.Fallback f) {
        // Lowering emits none (integer products are GEMMs); compiled code never runs the interpreter.
        throw new IllegalArgumentException("the CPU backend runs no reference instructions (reference " + f.node().op().name()
                + "); recompile the program with this version");
    }
}
