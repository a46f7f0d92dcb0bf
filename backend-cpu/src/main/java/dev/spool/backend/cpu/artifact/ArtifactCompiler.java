package dev.spool.backend.cpu.artifact;

import dev.spool.compiler.RowSeparability;
import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.codegen.KernelCompiler;
import dev.spool.backend.cpu.codegen.KernelSource;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.graph.Shape;
import dev.spool.graph.internal.Source;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.graph.internal.AtomicWrite;
import dev.spool.graph.io.SafeTensors;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramText;
import dev.spool.runtime.internal.Artifact;
import dev.spool.runtime.internal.ProgramTemplate;
import dev.spool.runtime.Signature;
import dev.spool.runtime.internal.cpu.CpuExecutable;
import dev.spool.runtime.internal.cpu.KernelKey;
import dev.spool.runtime.internal.cpu.KernelLayout;
import dev.spool.runtime.internal.cpu.KernelProvider;
import dev.spool.runtime.internal.cpu.VectorSupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compiles a graph ahead of time into a {@code .spool} artifact that {@code SpoolModel} runs
 * without the compiler: the graph stage runs once; the program stage runs at the corners of a small
 * grid of sizes for the dynamic dims and becomes a {@link ProgramTemplate}, checked at further
 * sizes so that a size-dependent compiler decision is refused, not guessed (size 1 lowers
 * differently, so each set of dims at size 1 gets a template of its own); every
 * kernel the bound programs can need is generated and compiled to a class file, for each vector
 * width a CPU may offer ({@link #LANES}) and each innermost length's choice of width.
 *
 * <pre>{@code
 * byte[] spool = ArtifactCompiler.compile(graph, weights, Map.of(), List.of(), null, Pipeline.standard());
 * }</pre>
 */
public final class ArtifactCompiler {
    /** The widest F32 vectors the kernels are compiled for: none (no Vector API), 128, 256 and 512 bits. */
    static final int[] LANES = {0, 4, 8, 16};
    /**
     * Sizes the dynamic dims are lowered at: dim i at PRIMES[2i] and PRIMES[2i+1] (the grid), then at
     * two further points (the checks). Distinct primes, because sizes that happen to be equal (B = T)
     * or 1 can lower differently (a transpose of a square, a unit axis dropped).
     */
    private static final int[] PRIMES = {7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67};

    private ArtifactCompiler() {
    }

    /**
     * The bytes of an artifact for {@code graph}.
     *
     * @param weights   a tensor for every parameter of the graph (stored in the artifact)
     * @param fixed     sizes for symbolic dims that are not to stay dynamic (e.g. {@code B=32})
     * @param state     input/output pairs a session carries from step to step (e.g. h0 ← h_n)
     * @param sequence  the input a session steps through (its {@code T} axis), or null
     * @throws InputException when a weight is missing or does not fit its parameter
     * @throws IllegalArgumentException when the program cannot be made dynamic in a dim (the message
     *                                  says which sizes to fix)
     */
    public static byte[] compile(Graph graph, Map<String, Tensor> weights, Map<String, Integer> fixed, List<Signature.State> state,
                                 String sequence, Pipeline pipeline) {
        return compile(graph, weights, fixed, state, sequence, pipeline, Map.of());
    }

    /** As {@link #compile(Graph, Map, Map, List, String, Pipeline)}, with string metadata for the manifest (e.g. a vocabulary). */
    public static byte[] compile(Graph graph, Map<String, Tensor> weights, Map<String, Integer> fixed, List<Signature.State> state,
                                 String sequence, Pipeline pipeline, Map<String, String> metadata) {
        Graph g = pipeline.run(graph);
        Signature signature = Signature.of(g, fixed, state, sequence);
        Map<String, Tensor> params = parameters(g, weights, fixed);
        List<String> dims = dynamicDims(g, fixed);
        Pipeline stage = pipeline.without(Set.of(Pipeline.MEMORY_PLANNING));
        boolean planMemory = pipeline.plansMemory();

        // Size 1 is special to the lowering (a unit axis is dropped, a copy becomes a view), so each
        // set of dims at size 1 gets a template of its own over the remaining dims.
        int n = dims.size();
        if (n > 4) {
            throw new IllegalArgumentException("the graph has " + n + " symbolic dims " + dims + "; an artifact keeps at most 4 dynamic, fix the others");
        }
        KernelRecorder kernels = new KernelRecorder();
        Map<String, byte[]> programs = new LinkedHashMap<>();
        JsonArray programIndex = new JsonArray();
        for (int unit = 0; unit < 1 << n; unit++) {
            List<String> free = new ArrayList<>();
            Map<String, Integer> pinned = new LinkedHashMap<>(fixed);
            List<String> ones = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if ((unit & 1 << i) != 0) {
                    pinned.put(dims.get(i), 1);
                    ones.add(dims.get(i));
                } else {
                    free.add(dims.get(i));
                }
            }
            ProgramTemplate template = fit(g, stage, free, pinned);
            String entry = ones.isEmpty() ? Artifact.PROGRAM : "program-" + String.join("-", ones.stream().map(d -> d + "1").toList()) + ".spt";
            programs.put(entry, template.write().getBytes(StandardCharsets.UTF_8));
            JsonObject p = new JsonObject();
            JsonArray unitDims = new JsonArray();
            ones.forEach(unitDims::add);
            p.add("unitDims", unitDims);
            p.addProperty("entry", entry);
            programIndex.add(p);
            // Kernels for every size the template was lowered or checked at (their layouts are all the
            // layouts these sizes can give; innermost lengths are enumerated by the recorder).
            for (int[] v : grid(free.size())) {
                Map<String, Integer> at = new LinkedHashMap<>();
                for (int i = 0; i < v.length; i++) {
                    at.put(free.get(i), v[i]);
                }
                Program prog = ProgramText.read(template.bind(at));
                prog = planMemory ? MemoryPlanner.place(prog) : prog;
                new CpuExecutable(prog, null, kernels).kernelSources();
            }
        }

        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(Artifact.GRAPH, g.toString().getBytes(StandardCharsets.UTF_8));
        entries.putAll(programs);
        entries.put(Artifact.WEIGHTS, SafeTensors.encode(params));
        JsonArray index = new JsonArray();
        Map<String, String> classOfSource = new LinkedHashMap<>();
        for (Map.Entry<String, KernelRecorder.Generated> e : kernels.byKey.entrySet()) {
            String source = e.getValue().source();
            String entry = classOfSource.get(source);
            if (entry == null) {
                entry = "kernels/k" + classOfSource.size();
                classOfSource.put(source, entry);
                entries.put(entry + ".class", KernelCompiler.classBytes(source));
                entries.put(entry + ".java", source.getBytes(StandardCharsets.UTF_8));
            }
            JsonObject k = new JsonObject();
            k.addProperty("key", e.getKey());
            k.addProperty("class", entry + ".class");
            k.addProperty("source", entry + ".java");
            k.addProperty("lanes", e.getValue().lanes());
            k.addProperty("maxLanes", e.getValue().maxLanes());
            k.addProperty("rank", e.getValue().rank());
            JsonArray inner = new JsonArray();
            JsonArray sizes = new JsonArray();
            for (int o = 0; o < e.getValue().innerStrides().length; o++) {
                inner.add(e.getValue().innerStrides()[o] == 0 ? 0 : e.getValue().innerStrides()[o] == 1 ? 1 : -1);
                sizes.add(e.getValue().elementSizes()[o]);
            }
            k.add("innerStrides", inner);
            k.add("elementSizes", sizes);
            index.add(k);
        }
        JsonObject kernelIndex = new JsonObject();
        kernelIndex.add("kernels", index);
        entries.put(Artifact.KERNELS, kernelIndex.toString().getBytes(StandardCharsets.UTF_8));

        JsonObject manifest = new JsonObject();
        manifest.addProperty("backend", "cpu");
        JsonObject meta = new JsonObject();
        metadata.forEach(meta::addProperty);
        manifest.add("metadata", meta);
        JsonObject dimsJson = new JsonObject();
        dims.forEach(d -> dimsJson.addProperty(d, "dynamic"));
        fixed.forEach(dimsJson::addProperty);
        manifest.add("dims", dimsJson);
        manifest.add("signature", Artifact.toJson(signature));
        JsonObject passes = new JsonObject();
        JsonArray graphPasses = new JsonArray();
        pipeline.passes().forEach(p -> graphPasses.add(p.name()));
        JsonArray programPasses = new JsonArray();
        pipeline.programPasses().forEach(p -> programPasses.add(p.name()));
        passes.add("graph", graphPasses);
        passes.add("program", programPasses);
        manifest.add("passes", passes);
        manifest.add("programs", programIndex);
        manifest.addProperty("memoryPlanning", planMemory);
        JsonArray lanes = new JsonArray();
        for (int l : LANES) {
            lanes.add(l);
        }
        manifest.add("vectorLanes", lanes);
        if (dims.contains(RowSeparability.BATCH)) {
            RowSeparability.of(g, RowSeparability.BATCH).ifPresent(r -> manifest.add("rowSplit", rowSplitJson(r)));
        }
        return Artifact.encode(manifest, entries);
    }

    /**
     * How a run may be split across cores along the batch ({@code SpoolModel} runs halves at once when
     * the graph's rows are independent): the dim and its axis in each input and output, in name order.
     */
    private static JsonObject rowSplitJson(RowSeparability.Split r) {
        JsonObject split = new JsonObject();
        split.addProperty("dim", r.dim());
        JsonObject inputs = new JsonObject();
        new java.util.TreeMap<>(r.inputAxes()).forEach(inputs::addProperty);
        JsonObject outputs = new JsonObject();
        new java.util.TreeMap<>(r.resultAxes()).forEach(outputs::addProperty);
        split.add("inputs", inputs);
        split.add("outputs", outputs);
        return split;
    }

    /** The template of the program over {@code dims} (the others pinned), lowered on the grid and checked. */
    private static ProgramTemplate fit(Graph g, Pipeline stage, List<String> dims, Map<String, Integer> pinned) {
        int n = dims.size();
        List<int[]> points = grid(n);
        Map<String, String> texts = new LinkedHashMap<>();
        try {
            return ProgramTemplate.fit(dims, points.get(0), points.get((1 << n) - 1), points.subList(1 << n, points.size()),
                    v -> texts.computeIfAbsent(Arrays.toString(v), k -> ProgramText.write(stage.compile(g, sizes(dims, v, pinned), CpuBackend.TARGET))));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot keep " + String.join(", ", dims) + " dynamic" + (pinned.isEmpty() ? "" : " at " + pinned)
                    + ": " + e.getMessage() + "; fix the sizes (--batch, --steps)", e);
        }
    }

    /** The sizes a template over n dims is lowered at: the 2^n corners of the grid, then two checks. */
    private static List<int[]> grid(int n) {
        List<int[]> out = new ArrayList<>();
        for (int mask = 0; mask < 1 << n; mask++) {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                v[i] = PRIMES[2 * i + ((mask & 1 << i) != 0 ? 1 : 0)];
            }
            out.add(v);
        }
        int[] far = new int[n];
        int[] mixed = new int[n];
        for (int i = 0; i < n; i++) {
            far[i] = PRIMES[PRIMES.length - 1 - i];
            mixed[i] = PRIMES[PRIMES.length - 1 - n - i] + (i % 2 == 0 ? 1 : 0);   // an even size too
        }
        out.add(far);
        out.add(mixed);
        return out;
    }

    /** {@link #compile} written to {@code file} (a temporary file renamed over it when complete). */
    public static void write(Path file, Graph graph, Map<String, Tensor> weights, Map<String, Integer> fixed, List<Signature.State> state,
                             String sequence, Pipeline pipeline) throws IOException {
        AtomicWrite.write(file, compile(graph, weights, fixed, state, sequence, pipeline, Map.of()));
    }

    /** Every kernel source the programs can need, by {@link KernelKey}; a key never names two sources. */
    private static final class KernelRecorder implements KernelProvider {
        record Generated(String source, int lanes, int rank, int[] innerStrides, int[] elementSizes, int maxLanes) {
        }

        final Map<String, Generated> byKey = new LinkedHashMap<>();

        @Override
        public Prepared kernel(Instr.Kernel k, KernelLayout layout, int maxFloatLanes, int[] elementSizes) {
            Set<Integer> widths = new TreeSet<>();
            for (int l : LANES) {
                widths.add(l);
            }
            widths.add(VectorSupport.floatLanes());
            for (int max : widths) {
                // Every innermost length up to two vectors gives every choice of width the runtime can make.
                for (int inner = 1; inner <= Math.max(2, 2 * max); inner++) {
                    int[] sizes = layout.sizes().clone();
                    sizes[sizes.length - 1] = inner;
                    KernelLayout shaped = new KernelLayout(sizes, layout.strides());
                    KernelSource.Code code = KernelSource.generate(k.expr(), shaped, max);
                    String key = KernelKey.of(k, shaped, max);
                    int[] innerStrides = new int[shaped.strides().length];
                    for (int o = 0; o < innerStrides.length; o++) {
                        innerStrides[o] = shaped.innerStride(o);
                    }
                    Generated had = byKey.putIfAbsent(key, new Generated(code.source(), code.lanes(), shaped.rank(), innerStrides, elementSizes.clone(), max));
                    if (had != null && !had.source().equals(code.source())) {
                        throw new IllegalStateException("kernel key " + key + " names two different sources");
                    }
                }
            }
            return new Prepared((mem, args) -> {
                throw new IllegalStateException("kernels are not run while an artifact is compiled");
            }, "(recorded for an artifact)");
        }
    }

    private static List<String> dynamicDims(Graph g, Map<String, Integer> fixed) {
        Set<String> dims = new TreeSet<>();
        for (Value p : g.params()) {
            for (Dim d : p.shape().dims()) {
                if (d instanceof Dim.Sym s && !fixed.containsKey(s.name())) {
                    dims.add(s.name());
                }
            }
        }
        return List.copyOf(dims);
    }

    private static Map<String, Tensor> parameters(Graph g, Map<String, Tensor> weights, Map<String, Integer> fixed) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Value p : g.params()) {
            Source s = g.source(p);
            if (s.kind() != Source.Kind.PARAMETER) {
                continue;
            }
            Tensor w = weights.get(s.label());
            if (w == null) {
                throw new InputException("weight '" + s.label() + "' is missing; expected " + p.type());
            }
            int[] want = p.shape().sizes(fixed);
            if (w.dtype() != p.dtype() || !Arrays.equals(w.shape(), want)) {
                throw new InputException("weight '" + s.label() + "': expected " + p.type() + ", got " + w.dtype() + Shape.of(w.shape()));
            }
            out.put(s.label(), w);
        }
        return out;
    }

    private static Map<String, Integer> sizes(List<String> dims, int[] v, Map<String, Integer> fixed) {
        Map<String, Integer> m = new LinkedHashMap<>(fixed);
        for (int i = 0; i < v.length; i++) {
            m.put(dims.get(i), v[i]);
        }
        return m;
    }

}
