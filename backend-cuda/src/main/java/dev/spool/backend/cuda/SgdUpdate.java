package dev.spool.backend.cuda;

import dev.spool.graph.DType;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The clip-by-global-norm and SGD update of a training program, generated as kernels that run on
 * the device around the program, so parameters stay on the device between steps and no parameter
 * or gradient crosses PCIe. Each parameter lives in a store of its own in the scratch area after
 * the failure flag: a feed buffer is live only until its last read (the memory planner reuses it
 * after), so before each run a copy kernel fills the parameter's feed buffer from its store. After
 * the run it mirrors {@code GradientClipping.clipGlobalNorm} then plain {@code Sgd.step} (no
 * momentum, no weight decay): per parameter a kernel sums the squares of {@code grad.<name>} (a
 * result, so live to the end; possibly a strided view) in double into fixed per-block partials
 * (fixed grid and order, so the sum is the same every run), one block adds the partials up into
 * the squared norm and the scale ({@code maxNorm / norm} where the norm is finite and above
 * {@code maxNorm}, else 1), and per parameter an elementwise kernel does
 * {@code p = fma(-lr, (T) (g · scale), p)} in its store. The squared norm stays at the start of the
 * scratch area for the host to read with the loss.
 *
 * <pre>{@code
 * SgdUpdate u = SgdUpdate.generate(memory, new SgdUpdate.Rule(List.of("weight"), 1.0, 0.1), scratchByte);
 * // u.source() is appended to the program's module; u.before() run before its steps, u.after() after
 * }</pre>
 *
 * @param source         CUDA C of the update kernels (the program's kernel signature, offsets baked in)
 * @param before         launches filling the parameters' feed buffers from their stores
 * @param after          launches of the clip and the update, in order
 * @param parameterBytes byte offset in the arena of each parameter's store (contiguous, row-major)
 * @param scratchBytes   bytes of the scratch area at {@code scratchByte}: squared norm, scale, partials, stores
 */
record SgdUpdate(String source, List<DeviceStep> before, List<DeviceStep> after, Map<String, Long> parameterBytes, long scratchBytes) {
    /**
     * What to generate: clip all gradients together to {@code maxNorm} (0 or less: no clipping), then
     * {@code p -= lr · g} for every named parameter.
     */
    record Rule(List<String> params, double maxNorm, double lr) {
        Rule {
            params = List.copyOf(params);
            if (!(lr > 0) || Double.isInfinite(lr) || Double.isNaN(maxNorm) || Double.isInfinite(maxNorm)) {
                throw new IllegalArgumentException("SGD on the device needs a finite lr > 0 and a finite maxNorm, got lr " + lr + ", maxNorm " + maxNorm);
            }
        }
    }

    /** Most blocks summing one parameter's squares: each writes one partial. */
    static final int MAX_PARTIAL_BLOCKS = 120;

    SgdUpdate {
        before = List.copyOf(before);
        after = List.copyOf(after);
        parameterBytes = Collections.unmodifiableMap(new LinkedHashMap<>(parameterBytes));
    }

    /**
     * @param memory      the training program's memory plan (results {@code grad.<name>} for every parameter)
     * @param rule        parameter names (feeds of the program, f32 or f64), clip threshold and learning rate
     * @param scratchByte 8-aligned byte offset of the scratch area in the arena
     * @throws IllegalArgumentException naming a parameter without a contiguous gradient result of its size and type
     */
    static SgdUpdate generate(MemoryPlanner.Plan memory, Rule rule, long scratchByte) {
        List<String> params = rule.params();
        double maxNorm = rule.maxNorm();
        double lr = rule.lr();
        Program p = memory.program();
        Map<String, Program.Feed> feeds = new HashMap<>();
        p.feeds().forEach(f -> feeds.put(f.name(), f));
        Map<String, Program.Result> results = new HashMap<>();
        p.results().forEach(r -> results.put(r.name(), r));
        StringBuilder src = new StringBuilder("// The clip-by-global-norm and SGD update (SgdUpdate).\n");
        List<DeviceStep> loads = new ArrayList<>();
        List<DeviceStep> sums = new ArrayList<>();
        List<DeviceStep> updates = new ArrayList<>();
        long partialsByte = scratchByte + 16;
        int partials = 0;
        for (String name : params) {
            Program.Result g = results.get("grad." + name);
            if (g != null) {
                partials += (int) Math.min(MAX_PARTIAL_BLOCKS, (g.view().size() + Geometry.REDUCE_THREADS - 1) / Geometry.REDUCE_THREADS);
            }
        }
        long storeByte = (partialsByte + 8L * partials + 15) / 16 * 16;
        Map<String, Long> stores = new LinkedHashMap<>();
        partials = 0;
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i);
            Program.Feed f = feeds.get(name);
            Program.Result g = results.get("grad." + name);
            if (f == null || g == null) {
                throw new IllegalArgumentException("SGD on the device: parameter '" + name + "' needs a feed and a result 'grad." + name
                        + "' in the training program" + (f == null ? "; there is no such feed" : "; there is no such result"));
            }
            long n = p.buffer(f.buffer()).elements();
            View v = g.view();
            if (f.dtype() != g.dtype() || f.dtype() != DType.F32 && f.dtype() != DType.F64 || !Arrays.equals(v.shape(), f.shape())
                    || Arrays.stream(v.loopStrides()).anyMatch(s -> s != 0) || v.buffer() == f.buffer()) {
                throw new IllegalArgumentException("SGD on the device: 'grad." + name + "' must be a " + f.dtype() + " result of shape "
                        + Arrays.toString(f.shape()) + " apart from the parameter, got " + g.dtype() + " " + v);
            }
            String t = CudaTypes.element(f.dtype());
            int es = f.dtype().byteSize();
            long gradByte = memory.offsets()[v.buffer()] + (long) v.offset() * es;
            // The gradient may be a strided view (a transpose): element q of the parameter is at this offset.
            StringBuilder at = new StringBuilder();
            String gq = "g[" + CudaCodegen.index(v, CudaCodegen.decompose(at, "        ", v.shape(), "e", "q")) + "]";
            long feedByte = memory.offsets()[f.buffer()];
            long paramByte = storeByte;
            stores.put(name, paramByte);
            storeByte = (storeByte + n * es + 15) / 16 * 16;
            String load = "sp_load" + i;
            src.append("extern \"C\" __global__ void ").append(load).append("(").append(CudaCodegen.ARGS).append(") {\n");
            src.append("    const long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;\n");
            src.append("    if (i < ").append(n).append("LL) ((").append(t).append("*) (m + ").append(feedByte).append("LL))[i] = ((const ").append(t)
                    .append("*) (m + ").append(paramByte).append("LL))[i];\n");
            src.append("}\n");
            loads.add(new DeviceStep.Launch(load, Geometry.elementwise(n)));
            int blocks = (int) Math.min(MAX_PARTIAL_BLOCKS, (n + Geometry.REDUCE_THREADS - 1) / Geometry.REDUCE_THREADS);
            String sum = "sp_sumsq" + i;
            src.append("extern \"C\" __global__ void ").append(sum).append("(").append(CudaCodegen.ARGS).append(") {\n");
            src.append("    __shared__ double sh[").append(Geometry.REDUCE_THREADS).append("];\n");
            src.append("    const ").append(t).append("* const g = (const ").append(t).append("*) (m + ").append(gradByte).append("LL);\n");
            src.append("    double a = 0.0;\n");
            src.append("    for (long long q = (long long) blockIdx.x * blockDim.x + threadIdx.x; q < ").append(n)
                    .append("LL; q += (long long) ").append(blocks).append(" * blockDim.x) {\n").append(at)
                    .append("        const double v = (double) ").append(gq).append(";\n        a += v * v;\n    }\n");
            src.append("    sh[threadIdx.x] = a;\n    __syncthreads();\n");
            src.append("    for (int s = blockDim.x / 2; s > 0; s >>= 1) { if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s]; __syncthreads(); }\n");
            src.append("    if (threadIdx.x == 0) ((double*) (m + ").append(partialsByte).append("LL))[").append(partials).append(" + blockIdx.x] = sh[0];\n");
            src.append("}\n");
            sums.add(new DeviceStep.Launch(sum, new Geometry(blocks, Geometry.REDUCE_THREADS)));
            partials += blocks;
            String sgd = "sp_sgd" + i;
            src.append("extern \"C\" __global__ void ").append(sgd).append("(").append(CudaCodegen.ARGS).append(") {\n");
            src.append("    const long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;\n");
            src.append("    if (i >= ").append(n).append("LL) return;\n");
            src.append("    const double scale = ((const double*) (m + ").append(scratchByte).append("LL))[1];\n");
            src.append("    const long long q = i;\n    const ").append(t).append("* const g = (const ").append(t).append("*) (m + ").append(gradByte)
                    .append("LL);\n").append(at.toString().replace("        ", "    "));
            src.append("    const ").append(t).append(" gs = (").append(t).append(") ((double) ").append(gq).append(" * scale);\n");
            src.append("    ").append(t).append("* const p = (").append(t).append("*) (m + ").append(paramByte).append("LL);\n");
            src.append("    p[i] = (").append(t).append(") fma(").append(-lr).append(", (double) gs, (double) p[i]);\n");
            src.append("}\n");
            updates.add(new DeviceStep.Launch(sgd, Geometry.elementwise(n)));
        }
        src.append("extern \"C\" __global__ void sp_norm(").append(CudaCodegen.ARGS).append(") {\n");
        src.append("    __shared__ double sh[").append(Geometry.REDUCE_THREADS).append("];\n");
        src.append("    const double* const part = (const double*) (m + ").append(partialsByte).append("LL);\n");
        src.append("    double a = 0.0;\n");
        src.append("    for (int q = threadIdx.x; q < ").append(partials).append("; q += blockDim.x) a += part[q];\n");
        src.append("    sh[threadIdx.x] = a;\n    __syncthreads();\n");
        src.append("    for (int s = blockDim.x / 2; s > 0; s >>= 1) { if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s]; __syncthreads(); }\n");
        src.append("    if (threadIdx.x == 0) {\n");
        src.append("        double* const out = (double*) (m + ").append(scratchByte).append("LL);\n");
        src.append("        const double norm = sqrt(sh[0]);\n");
        src.append("        out[0] = sh[0];\n");
        // norm - norm is 0 exactly when the norm is finite (NaN for NaN and infinity).
        src.append("        out[1] = ").append(maxNorm > 0 ? "(norm - norm == 0.0 && norm > " + maxNorm + ") ? " + maxNorm + " / norm : 1.0" : "1.0")
                .append(";\n    }\n}\n");
        List<DeviceStep> after = new ArrayList<>(sums);
        after.add(new DeviceStep.Launch("sp_norm", new Geometry(1, Geometry.REDUCE_THREADS)));
        after.addAll(updates);
        return new SgdUpdate(src.toString(), loads, after, stores, storeByte - scratchByte);
    }
}
