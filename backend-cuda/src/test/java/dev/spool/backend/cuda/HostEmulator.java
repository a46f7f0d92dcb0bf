package dev.spool.backend.cuda;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.Buffer;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs generated CUDA modules on the host, to test what they compute without a GPU: the module
 * source is compiled as C++ with a few definitions standing in for CUDA's (thread and block
 * indices, shared memory, atomics), and a generated driver walks the plan's {@link DeviceStep}s as
 * {@link CudaPlan} does: loops set the loop indices, each launch runs its grid of blocks and
 * threads one after another, and each GEMM goes through {@link GemmMapping} to a plain column-major
 * GEMM. Kernels that cooperate within a block (reductions, cross-entropy) run with one thread per
 * block, which their loops cover. A training case runs the program and then its
 * {@link SgdUpdate} kernels a number of times on the same arena, as {@link CudaPlan#trainStep}
 * does. Many programs share one g++ call: each lives in a namespace.
 */
final class HostEmulator {
    private static final String SHIM = """
            #include <cmath>
            #include <cstdio>
            #include <cstdlib>
            #include <cstring>
            #include <string>
            struct sp_dim { long long x, y, z; };
            static sp_dim blockIdx, threadIdx, blockDim;
            #define __global__
            #define __device__
            #define __forceinline__ inline
            #define __shared__ static
            #define __restrict__ __restrict
            inline void __syncthreads() {}
            inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
            inline double __longlong_as_double(long long i) { double d; memcpy(&d, &i, 8); return d; }
            inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long c, unsigned long long v) { unsigned long long o = *p; if (o == c) *p = v; return o; }
            template <typename T> inline T atomicAdd(T* p, T v) { T o = *p; *p = o + v; return o; }
            using std::exp; using std::log; using std::tanh; using std::sqrt; using std::fabs; using std::pow; using std::fmax; using std::fma;
            static void sp_launch(void (*k)(char*, int, int, int, int), long long grid, long long block, char* m, const int* L) {
                blockDim.x = block;
                for (long long b = 0; b < grid; b++) { blockIdx.x = b; for (long long t = 0; t < block; t++) { threadIdx.x = t; k(m, L[0], L[1], L[2], L[3]); } }
            }
            template <typename T> static void sp_gemm(bool ta, bool tb, int M, int N, int K, const T* A, int lda, long long sa, const T* B, int ldb,
                    long long sb, double beta, T* C, int ldc, long long sc, int batch) {
                for (int q = 0; q < batch; q++) {
                    const T* a = A + q * sa; const T* b = B + q * sb; T* c = C + q * sc;
                    for (int j = 0; j < N; j++) for (int i = 0; i < M; i++) {
                        double s = 0;
                        for (int l = 0; l < K; l++) s += (double) (ta ? a[l + (long long) i * lda] : a[i + (long long) l * lda])
                                * (double) (tb ? b[j + (long long) l * ldb] : b[l + (long long) j * ldb]);
                        T* at = c + i + (long long) j * ldc;
                        *at = (T) (s + (beta == 0 ? 0 : beta * *at));
                    }
                }
            }
            static char* sp_read(const char* path, long long bytes) {
                char* m = (char*) calloc(bytes, 1); FILE* f = fopen(path, "rb");
                if (!f || fread(m, 1, bytes, f) != (size_t) bytes) { fprintf(stderr, "cannot read %s\\n", path); exit(3); }
                fclose(f); return m;
            }
            static void sp_write(const char* path, const char* m, long long bytes) {
                FILE* f = fopen(path, "wb"); fwrite(m, 1, bytes, f); fclose(f);
            }
            """;

    /**
     * One program to emulate: its plan, module, and the arena image with constants and feeds in
     * place; with an update (or null), run {@code repeat} times, each followed by the update.
     */
    record Case(String name, MemoryPlanner.Plan plan, CudaCodegen.Module module, long flagByte, byte[] arena, SgdUpdate update, int repeat) {
        long arenaBytes() {
            return arena.length;
        }
    }

    private final List<Case> cases = new ArrayList<>();

    /** Adds a lowered program with its feeds; returns its index. */
    int add(String name, Program program, Map<String, Tensor> feeds) {
        return add(name, program, feeds, null, 1);
    }

    /** Adds a training program run {@code steps} times, each step followed by the clip and SGD update of {@code rule}. */
    int addTraining(String name, Program program, Map<String, Tensor> feeds, SgdUpdate.Rule rule, int steps) {
        return add(name, program, feeds, rule, steps);
    }

    private int add(String name, Program program, Map<String, Tensor> feeds, SgdUpdate.Rule rule, int repeat) {
        MemoryPlanner.Plan plan = MemoryPlanner.plan(program, true);
        long flag = (plan.arenaBytes() + 7) / 8 * 8;
        CudaCodegen.Module module = CudaCodegen.generate(plan.program(), plan.offsets(), flag);
        SgdUpdate update = rule == null ? null : SgdUpdate.generate(plan, rule, flag + CudaPlan.FLAG_BYTES);
        long bytes = flag + CudaPlan.FLAG_BYTES + (update == null ? 0 : update.scratchBytes());
        ByteBuffer arena = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        Program p = plan.program();
        for (Buffer b : p.buffers()) {
            if (b.constant() != null) {
                write(arena, b.constant(), plan.offsets()[b.id()]);
            }
        }
        for (Program.Feed f : p.feeds()) {
            write(arena, feeds.get(f.name()), plan.offsets()[f.buffer()]);
        }
        if (update != null) {
            update.parameterBytes().forEach((param, at) -> write(arena, feeds.get(param), at));
        }
        cases.add(new Case(name, plan, module, flag, arena.array(), update, repeat));
        return cases.size() - 1;
    }

    private static void write(ByteBuffer arena, Tensor t, long at) {
        for (int i = 0; i < t.size(); i++) {
            int o = (int) at + i * t.dtype().byteSize();
            switch (t.dtype()) {
                case F32 -> arena.putFloat(o, (float) t.getDouble(i));
                case F64 -> arena.putDouble(o, t.getDouble(i));
                case I32 -> arena.putInt(o, (int) t.getLong(i));
                case I64 -> arena.putLong(o, t.getLong(i));
                case BOOL -> arena.put(o, (byte) (t.getLong(i) != 0 ? 1 : 0));
            }
        }
    }

    /** What a case left behind: its results, its trained parameters (training cases), and the failure it reported (null if none). */
    record Outcome(Map<String, Tensor> results, Map<String, Tensor> parameters, RuntimeException failure) {
    }

    /** Compiles every case into one host program, runs each, and reads back results and failure flags. */
    List<Outcome> run() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("spool-emulator");
        StringBuilder cpp = new StringBuilder(SHIM);
        for (int c = 0; c < cases.size(); c++) {
            Case k = cases.get(c);
            String source = k.module().source() + (k.update() == null ? "" : k.update().source());
            cpp.append("namespace c").append(c).append(" {\n#undef SP_FLAG\n#undef SP_NAN\n").append(source.replace("extern \"C\" ", ""));
            cpp.append("\nvoid run(char* m, const char* initial) {\n    int L[4] = {0, 0, 0, 0};\n");
            cpp.append("    for (int step = 0; step < ").append(k.repeat()).append("; step++) {\n");
            if (k.update() != null) {
                // The host uploads the batch before every step (the planner may have reused its buffers).
                for (Program.Feed f : k.plan().program().feeds()) {
                    if (!k.update().parameterBytes().containsKey(f.name())) {
                        long at = k.plan().offsets()[f.buffer()];
                        cpp.append("        memcpy(m + ").append(at).append("LL, initial + ").append(at).append("LL, ")
                                .append(k.plan().program().buffer(f.buffer()).bytes()).append("LL);\n");
                    }
                }
                driver(cpp, k, k.update().before(), "        ");
            }
            driver(cpp, k, k.module().steps(), "        ");
            if (k.update() != null) {
                driver(cpp, k, k.update().after(), "        ");
            }
            cpp.append("    }\n}\n}\n");
        }
        cpp.append("int main(int argc, char** argv) {\n    const int c = atoi(argv[1]); const long long bytes = atoll(argv[2]);\n");
        cpp.append("    char* m = sp_read(argv[3], bytes);\n    char* initial = sp_read(argv[3], bytes);\n    switch (c) {\n");
        for (int c = 0; c < cases.size(); c++) {
            cpp.append("        case ").append(c).append(": c").append(c).append("::run(m, initial); break;\n");
        }
        cpp.append("    }\n    sp_write(argv[4], m, bytes);\n    return 0;\n}\n");
        Path src = dir.resolve("emulator.cpp");
        Files.writeString(src, cpp);
        Path exe = dir.resolve("emulator");
        exec(List.of("g++", "-O0", "-w", "-o", exe.toString(), src.toString()), 900);
        List<Outcome> out = new ArrayList<>();
        for (int c = 0; c < cases.size(); c++) {
            Case k = cases.get(c);
            Path in = dir.resolve("in" + c);
            Path res = dir.resolve("out" + c);
            Files.write(in, k.arena());
            exec(List.of(exe.toString(), Integer.toString(c), Long.toString(k.arenaBytes()), in.toString(), res.toString()), 300);
            ByteBuffer m = ByteBuffer.wrap(Files.readAllBytes(res)).order(ByteOrder.LITTLE_ENDIAN);
            long code = m.getLong((int) k.flagByte());
            RuntimeException failure = code == 0 ? null
                    : k.module().failures().get((int) code - 1).exception(m.getLong((int) k.flagByte() + 8), m.getLong((int) k.flagByte() + 16));
            Map<String, Tensor> results = new LinkedHashMap<>();
            for (Program.Result r : k.plan().program().results()) {
                results.put(r.name(), read(m, k.plan().offsets()[r.view().buffer()], r.view(), r.dtype()));
            }
            Map<String, Tensor> parameters = new LinkedHashMap<>();
            if (k.update() != null) {
                for (Program.Feed f : k.plan().program().feeds()) {
                    Long at = k.update().parameterBytes().get(f.name());
                    if (at != null) {
                        parameters.put(f.name(), read(m, at, View.contiguous(f.buffer(), f.shape()), f.dtype()));
                    }
                }
            }
            out.add(new Outcome(results, parameters, failure));
        }
        return out;
    }

    private static Tensor read(ByteBuffer m, long base, View v, DType dtype) {
        Tensor t = Tensor.zeros(dtype, v.shape());
        int[] shape = v.shape();
        int[] pos = new int[shape.length];
        int es = dtype.byteSize();
        for (int i = 0; i < t.size(); i++) {
            long at = base + (long) v.offset() * es;
            for (int a = 0; a < shape.length; a++) {
                at += (long) pos[a] * v.stride(a) * es;
            }
            switch (dtype) {
                case F32 -> t.setDouble(i, m.getFloat((int) at));
                case F64 -> t.setDouble(i, m.getDouble((int) at));
                case I32 -> t.setLong(i, m.getInt((int) at));
                case I64 -> t.setLong(i, m.getLong((int) at));
                case BOOL -> t.bools()[i] = m.get((int) at) != 0;
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

    private static void driver(StringBuilder cpp, Case k, List<DeviceStep> steps, String indent) {
        for (DeviceStep s : steps) {
            if (s instanceof DeviceStep.Launch l) {
                boolean cooperative = l.geometry().block() != Geometry.THREADS || l.geometry().grid() == 1 && isSingleBlock(k, l.name());
                long block = cooperative ? 1 : l.geometry().block();
                cpp.append(indent).append("sp_launch(").append(l.name()).append(", ").append(l.geometry().grid()).append(", ").append(block)
                        .append(", m, L);\n");
            } else if (s instanceof DeviceStep.Gemm g) {
                var gm = g.gemm();
                GemmMapping map = GemmMapping.of(gm);
                String t = gm.dtype() == DType.F32 ? "float" : "double";
                int es = gm.dtype().byteSize();
                cpp.append(indent).append("sp_gemm<").append(t).append(">(").append(map.transA()).append(", ").append(map.transB()).append(", ")
                        .append(map.m()).append(", ").append(map.n()).append(", ").append(map.k()).append(", ")
                        .append(pointer(k, gm.b(), t, es)).append(", ").append(map.lda()).append(", ").append(map.strideA()).append(", ")
                        .append(pointer(k, gm.a(), t, es)).append(", ").append(map.ldb()).append(", ").append(map.strideB()).append(", ")
                        .append(gm.beta()).append(", ").append(pointer(k, gm.c(), t, es)).append(", ").append(map.ldc()).append(", ")
                        .append(map.strideC()).append(", ").append(gm.batch()).append(");\n");
            } else if (s instanceof DeviceStep.Loop l) {
                cpp.append(indent).append("for (int q = 0; q < ").append(l.length()).append("; q++) {\n");
                cpp.append(indent).append("    L[").append(l.level()).append("] = ").append(l.reverse() ? (l.length() - 1) + " - q" : "q").append(";\n");
                driver(cpp, k, l.body(), indent + "    ");
                cpp.append(indent).append("}\n");
            }
        }
    }

    /** Whether a one-block kernel is a cooperative one (it declares shared memory). */
    private static boolean isSingleBlock(Case k, String name) {
        String src = k.module().source() + (k.update() == null ? "" : k.update().source());
        int at = src.indexOf("void " + name + "(");
        int end = src.indexOf("\n}\n", at);
        return src.substring(at, end).contains("__shared__");
    }

    private static String pointer(Case k, View v, String t, int es) {
        StringBuilder sb = new StringBuilder("(" + t + "*) (m + " + (k.plan().offsets()[v.buffer()] + (long) v.offset() * es) + "LL");
        for (int l = 0; l < v.loopStrides().length; l++) {
            if (v.loopStrides()[l] != 0) {
                sb.append(" + (long long) L[").append(l).append("] * ").append((long) v.loopStrides()[l] * es);
            }
        }
        return sb.append(")").toString();
    }

    private static void exec(List<String> cmd, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(seconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + (log.length() > 5000 ? log.substring(0, 5000) : log));
        }
    }
}
