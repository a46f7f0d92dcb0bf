package dev.spool.backend.cuda;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.Buffer;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lowered program made runnable on the device for one set of dims: one arena allocated once (the
 * memory planner's offsets; nothing is allocated per run or per step), constants uploaded once, the
 * generated module compiled (or found in the cache) and every step bound to its kernel or GEMM. A
 * run uploads the feeds, queues the steps on the stream (loops driven from the host, or replayed as
 * captured CUDA graphs), downloads the results and the failure flag, and waits once. A plan made
 * with an {@link SgdUpdate.Rule} also trains in place ({@link #trainStep}): its parameters stay in
 * their stores on the device between steps, copied into their feed buffers before the program and
 * updated by the generated kernels after it. Not thread-safe: one run at a time.
 */
final class CudaPlan {
    /** Bytes of the failure flag at the end of the arena: code, two values, padding. */
    static final int FLAG_BYTES = 32;

    private final Cuda cuda;
    private final MemoryPlanner.Plan memory;
    private final CudaCodegen.Module module;
    private final Pointer arena;
    private final long flagByte;
    private final int[] loop = new int[CudaCodegen.MAX_LOOP_DEPTH];
    private final KernelArguments args;
    private final List<Op> ops;
    /** The update's kernels before the program (parameters into their feed buffers) and after it (clip and SGD); empty without a rule. */
    private final List<Op> beforeOps;
    private final List<Op> afterOps;
    /** Byte offset of each parameter's store (with an update rule). */
    private final Map<String, Long> parameterBytes;
    /** Byte offset of the update's scratch area (the squared gradient norm first). */
    private final long scratchByte;
    private final boolean graphs;
    private final ByteBuffer staging;
    private final BytePointer stagingPointer;

    /** A bound step. */
    private interface Op {
        void run();
    }

    CudaPlan(Cuda cuda, Program program, boolean reuseMemory, boolean graphs) {
        this(cuda, program, reuseMemory, graphs, null);
    }

    /** @param update the clip and SGD update to run after the program in {@link #trainStep}, or null */
    CudaPlan(Cuda cuda, Program program, boolean reuseMemory, boolean graphs, SgdUpdate.Rule update) {
        this.cuda = cuda;
        this.graphs = graphs;
        this.memory = MemoryPlanner.plan(program, reuseMemory);
        this.flagByte = (memory.arenaBytes() + 7) / 8 * 8;
        this.scratchByte = flagByte + FLAG_BYTES;
        this.module = CudaCodegen.generate(memory.program(), memory.offsets(), flagByte);
        SgdUpdate sgd = update == null ? null : SgdUpdate.generate(memory, update, scratchByte);
        CUmod_st mod = ModuleCache.load(cuda, sgd == null ? module.source() : module.source() + sgd.source());
        this.arena = cuda.malloc(scratchByte + (sgd == null ? 0 : sgd.scratchBytes()));
        cuda.zero(arena, flagByte, FLAG_BYTES);
        this.args = new KernelArguments(arena.address());
        long stage = 3 * FLAG_BYTES;
        Program p = memory.program();
        for (Buffer b : p.buffers()) {
            if (b.constant() != null || b.feed()) {
                stage = Math.max(stage, b.bytes());
            }
        }
        for (Program.Result r : p.results()) {
            stage = Math.max(stage, span(r.view(), r.dtype()));
        }
        if (stage > Integer.MAX_VALUE - 64) {
            throw new IllegalStateException("a single input or result of " + stage + " bytes is too large to stage");
        }
        this.staging = ByteBuffer.allocateDirect((int) stage).order(ByteOrder.LITTLE_ENDIAN);
        this.stagingPointer = new BytePointer(staging);
        for (Buffer b : p.buffers()) {
            if (b.constant() != null) {
                upload(b.constant(), memory.offsets()[b.id()]);
            }
        }
        this.ops = bind(module.steps(), mod, true);
        this.beforeOps = sgd == null ? List.of() : bind(sgd.before(), mod, true);
        this.afterOps = sgd == null ? List.of() : bind(sgd.after(), mod, true);
        this.parameterBytes = sgd == null ? Map.of() : sgd.parameterBytes();
        cuda.synchronize();
    }

    MemoryPlanner.Plan memory() {
        return memory;
    }

    String source() {
        return module.source();
    }

    private List<Op> bind(List<DeviceStep> steps, CUmod_st mod, boolean topLevel) {
        List<Op> out = new ArrayList<>();
        for (DeviceStep s : steps) {
            if (s instanceof DeviceStep.Launch l) {
                out.add(launch(cuda.function(mod, l.name()), l.geometry()));
            } else if (s instanceof DeviceStep.Gemm g) {
                out.add(gemm(g.gemm()));
            } else if (s instanceof DeviceStep.Loop l) {
                Op loopOp = loop(l, bind(l.body(), mod, false));
                out.add(topLevel && graphs ? captured(loopOp) : loopOp);
            }
        }
        return out;
    }

    private Op launch(CUfunc_st f, Geometry g) {
        PointerPointer<Pointer> pointers = args.pointers();
        return () -> cuda.launch(f, g, pointers);
    }

    private Op loop(DeviceStep.Loop l, List<Op> body) {
        return () -> {
            for (int k = 0; k < l.length(); k++) {
                int t = l.reverse() ? l.length() - 1 - k : k;
                loop[l.level()] = t;
                args.setLoop(l.level(), t);
                for (Op o : body) {
                    o.run();
                }
            }
        };
    }

    /** A loop recorded as a CUDA graph on its first run (every step, each with its own indices) and replayed after. */
    private Op captured(Op loopOp) {
        CUgraphExec_st[] exec = new CUgraphExec_st[1];
        return () -> {
            if (exec[0] == null) {
                exec[0] = cuda.capture(loopOp::run);
            }
            cuda.replay(exec[0]);
        };
    }

    private long byteAt(View v, int es) {
        long at = memory.offsets()[v.buffer()] + (long) v.offset() * es;
        for (int l = 0; l < v.loopStrides().length; l++) {
            at += (long) loop[l] * v.loopStrides()[l] * es;
        }
        return at;
    }

    private Op gemm(Instr.Gemm g) {
        GemmMapping map = GemmMapping.of(g);
        int batch = g.batch();
        if (g.dtype() == DType.F32) {
            FloatPointer a = new FloatPointer(arena);
            FloatPointer b = new FloatPointer(arena);
            FloatPointer c = new FloatPointer(arena);
            FloatPointer beta = new FloatPointer((float) g.beta());
            return () -> {
                a.position(byteAt(g.a(), 4) / 4);
                b.position(byteAt(g.b(), 4) / 4);
                c.position(byteAt(g.c(), 4) / 4);
                cuda.sgemm(map, b, a, beta, c, batch);
            };
        }
        DoublePointer a = new DoublePointer(arena);
        DoublePointer b = new DoublePointer(arena);
        DoublePointer c = new DoublePointer(arena);
        DoublePointer beta = new DoublePointer(g.beta());
        return () -> {
            a.position(byteAt(g.a(), 8) / 8);
            b.position(byteAt(g.b(), 8) / 8);
            c.position(byteAt(g.c(), 8) / 8);
            cuda.dgemm(map, b, a, beta, c, batch);
        };
    }

    Map<String, Tensor> run(Map<String, Tensor> feeds) {
        Program p = memory.program();
        for (Program.Feed f : p.feeds()) {
            upload(feeds.get(f.name()), memory.offsets()[f.buffer()]);
        }
        for (Op o : ops) {
            o.run();
        }
        cuda.download(arena, flagByte, stagingPointer, 24);
        cuda.synchronize();
        checkFlag();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Program.Result r : p.results()) {
            out.put(r.name(), download(r.view(), r.dtype()));
        }
        return out;
    }

    /** Throws the failure a kernel recorded in the flag (staged at byte 0), clearing it for the next run. */
    private void checkFlag() {
        long[] flag = new long[3];
        staging.asLongBuffer().get(0, flag);
        if (flag[0] != 0) {
            cuda.zero(arena, flagByte, FLAG_BYTES);
            cuda.synchronize();
            throw module.failures().get((int) flag[0] - 1).exception(flag[1], flag[2]);
        }
    }

    /** A training step's loss and the global norm of its gradients (before clipping). */
    record TrainStep(double loss, double gradientNorm) {
    }

    /**
     * One training step in place: uploads {@code feeds} (the batch; the parameters are already on
     * the device), runs the program between the update's kernels, and brings back only the failure flag,
     * the scalar result {@code loss} and the squared gradient norm, waiting once. A failure found by
     * a kernel is thrown after the update has run (the parameters then hold that step's update).
     */
    TrainStep trainStep(Map<String, Tensor> feeds, String loss) {
        if (afterOps.isEmpty()) {
            throw new IllegalStateException("this plan has no update rule");
        }
        Program p = memory.program();
        for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
            upload(e.getValue(), memory.offsets()[feed(e.getKey()).buffer()]);
        }
        for (Op o : beforeOps) {
            o.run();
        }
        for (Op o : ops) {
            o.run();
        }
        for (Op o : afterOps) {
            o.run();
        }
        Program.Result r = p.results().stream().filter(x -> x.name().equals(loss)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the training program has no result '" + loss + "'"));
        int es = r.dtype().byteSize();
        cuda.download(arena, flagByte, stagingPointer, 24);
        cuda.download(arena, memory.offsets()[r.view().buffer()] + (long) r.view().offset() * es, new BytePointer(stagingPointer).position(FLAG_BYTES), es);
        cuda.download(arena, scratchByte, new BytePointer(stagingPointer).position(2 * FLAG_BYTES), 8);
        cuda.synchronize();
        checkFlag();
        double l = r.dtype() == DType.F32 ? staging.getFloat(FLAG_BYTES) : staging.getDouble(FLAG_BYTES);
        return new TrainStep(l, Math.sqrt(staging.getDouble(2 * FLAG_BYTES)));
    }

    private Program.Feed feed(String name) {
        return memory.program().feeds().stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the program has no feed '" + name + "'"));
    }

    private long parameterByte(String name) {
        Long at = parameterBytes.get(name);
        if (at == null) {
            throw new IllegalArgumentException("'" + name + "' is not a parameter this plan trains");
        }
        return at;
    }

    /** Sets a trained parameter's value on the device (before the first step, or to restart). */
    void setParameter(String name, Tensor value) {
        upload(value, parameterByte(name));
    }

    /** A trained parameter's current value, copied to the heap. */
    Tensor parameter(String name) {
        Program.Feed f = feed(name);
        long at = parameterByte(name);
        return download(at, View.contiguous(f.buffer(), f.shape()), f.dtype());
    }

    /** Copies a heap tensor to the device at a byte offset (through the staging buffer; the copy completes before this returns). */
    private void upload(Tensor t, long at) {
        int n = t.size();
        switch (t.dtype()) {
            case F32 -> staging.asFloatBuffer().put(0, t.floats(), t.offset(), n);
            case F64 -> staging.asDoubleBuffer().put(0, t.doubles(), t.offset(), n);
            case I32 -> staging.asIntBuffer().put(0, t.ints(), t.offset(), n);
            case I64 -> staging.asLongBuffer().put(0, t.longs(), t.offset(), n);
            case BOOL -> {
                boolean[] b = t.bools();
                for (int i = 0; i < n; i++) {
                    staging.put(i, (byte) (b[t.offset() + i] ? 1 : 0));
                }
            }
        }
        if (n > 0) {
            cuda.upload(stagingPointer, arena, at, (long) n * t.dtype().byteSize());
            cuda.synchronize();
        }
    }

    /** Bytes from a view's first to its last element. */
    private static long span(View v, DType t) {
        if (v.size() == 0) {
            return 0;
        }
        long last = 0;
        for (int d = 0; d < v.rank(); d++) {
            last += (long) (v.dim(d) - 1) * Math.abs(v.stride(d));
        }
        return (last + 1) * t.byteSize();
    }

    /** A fresh heap tensor with the elements of a (possibly strided, non-negative strides) view. */
    private Tensor download(View v, DType dtype) {
        return download(memory.offsets()[v.buffer()] + (long) v.offset() * dtype.byteSize(), v, dtype);
    }

    /** A fresh heap tensor with the elements of a view's shape and strides whose first element is at byte {@code at}. */
    private Tensor download(long first, View v, DType dtype) {
        Tensor t = Tensor.zeros(dtype, v.shape());
        int n = t.size();
        if (n == 0) {
            return t;
        }
        int es = dtype.byteSize();
        cuda.download(arena, first, stagingPointer, span(v, dtype));
        cuda.synchronize();
        if (v.isContiguous()) {
            switch (dtype) {
                case F32 -> staging.asFloatBuffer().get(0, t.floats(), 0, n);
                case F64 -> staging.asDoubleBuffer().get(0, t.doubles(), 0, n);
                case I32 -> staging.asIntBuffer().get(0, t.ints(), 0, n);
                case I64 -> staging.asLongBuffer().get(0, t.longs(), 0, n);
                case BOOL -> {
                    for (int i = 0; i < n; i++) {
                        t.bools()[i] = staging.get(i) != 0;
                    }
                }
            }
            return t;
        }
        int[] shape = v.shape();
        int[] pos = new int[shape.length];
        for (int i = 0; i < n; i++) {
            int at = 0;
            for (int a = 0; a < shape.length; a++) {
                at += pos[a] * v.stride(a) * es;
            }
            switch (dtype) {
                case F32 -> t.setDouble(i, staging.getFloat(at));
                case F64 -> t.setDouble(i, staging.getDouble(at));
                case I32 -> t.setLong(i, staging.getInt(at));
                case I64 -> t.setLong(i, staging.getLong(at));
                case BOOL -> t.bools()[i] = staging.get(at) != 0;
            }
            for (int a = shape.length - 1; a >= 0; a--) {
                if (++pos[a] < shape[a]) {
                    break;
                }
                pos[a] = 0;
            }
        }
        return t;
    }

    /** Returns the arena to the device. */
    void release() {
        cuda.free(arena);
    }
}
