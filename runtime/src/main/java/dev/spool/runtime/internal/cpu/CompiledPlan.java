package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
import dev.spool.graph.ResourceLimitException;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.Buffer;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled program made runnable: its arena allocated once (native memory, so GEMM operands are
 * passed by address) at the program's layout, constants written once, every instruction prepared
 * as an {@link Exec}. A run copies the feeds in, runs the execs, and copies the results out; nothing
 * else is allocated. Not thread-safe: one run at a time ({@link CpuExecutable} keeps a pool of them
 * per program for concurrent runs).
 */
final class CompiledPlan {
    private final Program program;
    private final long[] offsets;
    private final ByteBuffer mem;
    private final Exec[] execs;
    private final int[] loop;
    private final List<String> kernelSources;

    CompiledPlan(Program program, int lanes, Profile profile, KernelProvider kernels) {
        this.program = program;
        Program.Layout arena = program.arena();
        this.offsets = arena.offsets();
        Program p = program;
        if (arena.bytes() > Integer.MAX_VALUE - 64) {
            throw new ResourceLimitException(String.format("this program needs %,d bytes (%.1f GB) of working memory; the CPU arena holds at most"
                    + " 2 GiB", arena.bytes(), arena.bytes() / 1e9), arena.bytes());
        }
        this.mem = ByteBuffer.allocateDirect((int) arena.bytes() + 64).alignedSlice(64).order(ByteOrder.LITTLE_ENDIAN);
        for (Buffer b : p.buffers()) {
            if (b.constant() != null) {
                write(b.constant(), (int) offsets[b.id()]);
            }
        }
        ExecBuilder builder = new ExecBuilder(p, offsets, mem, lanes, profile, kernels);
        this.execs = builder.build(p.code());
        this.kernelSources = List.copyOf(builder.kernelSources());
        this.loop = new int[depth(p.code()) + 1];
    }

    private static int depth(List<Instr> code) {
        int d = 0;
        for (var i : code) {
            if (i instanceof Instr.Loop l) {
                d = Math.max(d, 1 + depth(l.body()));
            }
        }
        return d;
    }

    Program program() {
        return program;
    }

    List<String> kernelSources() {
        return kernelSources;
    }

    Map<String, Tensor> run(Map<String, Tensor> feeds) {
        Program p = program;
        for (Program.Feed f : p.feeds()) {
            write(feeds.get(f.name()), (int) offsets[f.buffer()]);
        }
        for (Exec s : execs) {
            s.run(loop);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Program.Result r : p.results()) {
            out.put(r.name(), read(r.view(), r.dtype()));
        }
        return out;
    }

    /** Copies a heap tensor into the arena at a byte offset. */
    private void write(Tensor t, int at) {
        int n = t.size();
        switch (t.dtype()) {
            case F32 -> mem.asFloatBuffer().put(at >> 2, (float[]) t.data(), t.offset(), n);
            case F64 -> mem.asDoubleBuffer().put(at >> 3, (double[]) t.data(), t.offset(), n);
            case I32 -> mem.asIntBuffer().put(at >> 2, (int[]) t.data(), t.offset(), n);
            case I64 -> mem.asLongBuffer().put(at >> 3, (long[]) t.data(), t.offset(), n);
            case BOOL -> {
                boolean[] b = (boolean[]) t.data();
                for (int i = 0; i < n; i++) {
                    mem.put(at + i, (byte) (b[t.offset() + i] ? 1 : 0));
                }
            }
        }
    }

    /** A fresh heap tensor with the elements of a view. */
    private Tensor read(View v, DType dtype) {
        Tensor t = Tensor.zeros(dtype, v.shape());
        int es = dtype.byteSize();
        int base = (int) offsets[v.buffer()] + v.offset() * es;
        int n = t.size();
        if (v.isContiguous()) {
            switch (dtype) {
                case F32 -> mem.asFloatBuffer().get(base >> 2, t.floats(), 0, n);
                case F64 -> mem.asDoubleBuffer().get(base >> 3, t.doubles(), 0, n);
                case I32 -> mem.asIntBuffer().get(base >> 2, t.ints(), 0, n);
                case I64 -> mem.asLongBuffer().get(base >> 3, t.longs(), 0, n);
                case BOOL -> {
                    for (int i = 0; i < n; i++) {
                        t.bools()[i] = mem.get(base + i) != 0;
                    }
                }
            }
            return t;
        }
        int[] shape = v.shape();
        int[] pos = new int[shape.length];
        for (int i = 0; i < n; i++) {
            int at = base;
            for (int a = 0; a < shape.length; a++) {
                at += pos[a] * v.strides()[a] * es;
            }
            if (dtype.isInteger()) {
                t.setLong(i, Elements.getLong(mem, dtype, at));
            } else {
                t.setDouble(i, Elements.get(mem, dtype, at));
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
}
