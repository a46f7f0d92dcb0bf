package dev.spool.runtime;

import dev.spool.graph.InputException;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.graph.io.SafeTensorsException;
import dev.spool.program.internal.InvalidProgramException;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramText;
import dev.spool.program.internal.ProgramVerifier;
import dev.spool.runtime.internal.Artifact;
import dev.spool.runtime.internal.ArtifactKernels;
import dev.spool.runtime.internal.ProgramTemplate;
import dev.spool.runtime.internal.RowSplit;
import dev.spool.runtime.internal.cpu.CpuExecutable;
import dev.spool.runtime.internal.cpu.VectorSupport;
import dev.spool.runtime.internal.cpu.WarmupGate;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A compiled model loaded from a {@code .spool} artifact, ready to run: what a Java service embeds.
 * Loading checks the artifact and reads its weights, program template and kernel classes; it runs
 * no compiler pass and compiles no source. The first run with a new batch size or sequence length
 * binds the program to those sizes (evaluating sizes and offsets, planning memory) and keeps it for
 * later runs. Runs may come from many threads at once.
 *
 * <pre>{@code
 * SpoolModel m = SpoolModel.load(Path.of("lstm.spool"));
 * Tensor x = Tensor.of(new float[35 * 32 * 28], 35, 32, 28);
 * Tensor y = m.run(Map.of("input", x)).get("output");
 * }</pre>
 */
public final class SpoolModel {
    private static final int MAX_BINDINGS = 16;

    private final Artifact artifact;
    private final Signature signature;
    /** The program templates by the set of dynamic dims they have at size 1 (size 1 lowers differently). */
    private final Map<Set<String>, ProgramTemplate> templates = new HashMap<>();
    private final List<String> dynamicDims;
    private final boolean planMemory;
    /** How runs split along the batch across cores, or null (rows not independent, or an older artifact). */
    private final RowSplit rowSplit;
    private final Map<String, Tensor> weights;
    private final ArtifactKernels kernels;
    /**
     * Holds the vector kernels' warm-ups back from load until the first run has ended (see
     * {@link WarmupGate}); until a run has ended, each run holds them back too, so that a first run
     * after a long idle time (when the load's hold has expired) still has the cores.
     */
    private final WarmupGate.Hold loaded;
    private volatile boolean ranOnce;
    private final Map<Map<String, Integer>, CpuExecutable> bound = new ConcurrentHashMap<>();

    private SpoolModel(Artifact artifact) {
        this.artifact = artifact;
        this.signature = artifact.signature();
        String name = artifact.name();
        try {
            JsonObject manifest = artifact.manifest();
            for (JsonElement e : manifest.getAsJsonArray("programs")) {
                Set<String> unit = new TreeSet<>();
                e.getAsJsonObject().getAsJsonArray("unitDims").forEach(d -> unit.add(d.getAsString()));
                templates.put(unit, ProgramTemplate.read(artifact.text(e.getAsJsonObject().get("entry").getAsString())));
            }
            this.planMemory = manifest.get("memoryPlanning").getAsBoolean();
            this.rowSplit = manifest.has("rowSplit") ? readRowSplit(manifest.getAsJsonObject("rowSplit")) : null;
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new ArtifactException(name + " is damaged: its programs do not read (" + e.getMessage() + ")", e);
        }
        ProgramTemplate general = templates.get(Set.of());
        if (general == null) {
            throw new ArtifactException(name + " is damaged: it has no program for sizes above 1");
        }
        this.dynamicDims = general.dims();
        try {
            this.weights = SafeTensors.read(artifact.bytes(Artifact.WEIGHTS), name + "!" + Artifact.WEIGHTS);
        } catch (SafeTensorsException e) {
            throw new ArtifactException(name + " is damaged: " + e.getMessage(), e);
        }
        this.kernels = new ArtifactKernels(name, readKernels(artifact));
        this.loaded = WarmupGate.hold();
        kernels.warmInBackground(VectorSupport.floatLanes());
        if (VectorSupport.floatLanes() > 0) {
            // Its recurrent GEMMs run packed (dev.spool.runtime.internal.cpu.PackedGemm): compile that kernel now too.
            dev.spool.runtime.internal.cpu.PackedGemm.startWarmup();
        }
    }

    /**
     * Loads an artifact written by {@code spool compile}.
     *
     * <pre>{@code SpoolModel model = SpoolModel.load(Path.of("lstm.spool"));}</pre>
     *
     * @throws ArtifactException when the file is missing, truncated, damaged, of another format
     *                           version, or incomplete (one line naming the file and the problem)
     */
    public static SpoolModel load(Path artifact) {
        return new SpoolModel(Artifact.read(artifact));
    }

    /** What the model takes and gives: {@code model.signature().inputs()}. */
    public Signature signature() {
        return signature;
    }

    /**
     * A string the compiler stored in the manifest's metadata (e.g. {@code spool.model}, a language
     * model's configuration and vocabulary), or null.
     */
    public String metadata(String key) {
        JsonObject m = artifact.manifest().getAsJsonObject("metadata");
        return m != null && m.has(key) ? m.get(key).getAsString() : null;
    }

    /**
     * The artifact this model was loaded from (manifest, entries), for tools such as
     * {@code spool inspect}: {@code model.artifact().manifest()}. Its type is internal and may change.
     */
    public Artifact artifact() {
        return artifact;
    }

    /**
     * Runs the model on named inputs (see {@link #signature()}; state inputs may be left out and
     * are zeros). Tensors may be views.
     *
     * <pre>{@code Map<String, Tensor> out = model.run(Map.of("tokens", tokens));}</pre>
     *
     * @throws InputException one line naming the input, the expected and the actual dtype or shape
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        if (ranOnce) {
            return runHeld(inputs);
        }
        WarmupGate.Hold firstRun = WarmupGate.hold();
        try {
            return runHeld(inputs);
        } finally {
            firstRun.release();
            loaded.release();
            ranOnce = true;
        }
    }

    private Map<String, Tensor> runHeld(Map<String, Tensor> inputs) {
        Map<String, Integer> dims = bind(inputs);
        Map<String, Tensor> feeds = new HashMap<>(weights);
        for (Signature.Spec s : signature.inputs()) {
            Tensor t = inputs.get(s.name());
            feeds.put(s.name(), t != null ? t : Tensor.zeros(s.dtype(), s.sizes(dims)));
        }
        Map<String, Tensor> out = rowSplit != null && rowSplit.worthSplitting(dims) ? rowSplit.run(dims, feeds, this::executable)
                : executable(dims).run(feeds);
        Map<String, Tensor> results = new LinkedHashMap<>();
        for (Signature.Spec s : signature.outputs()) {
            results.put(s.name(), out.get(s.name()));
        }
        return results;
    }

    /**
     * A step-by-step session over the model's sequence input: each {@link Session#step} runs one
     * time step and carries the state to the next.
     *
     * <pre>{@code Session s = model.session(); Tensor y1 = s.step(x1).get("output");}</pre>
     *
     * @throws UnsupportedOperationException when the artifact has no state or no sequence input
     */
    public Session session() {
        return new Session(signature, this::run);
    }

    /** The sizes of the symbolic dims as the inputs give them, every input checked against the signature. */
    Map<String, Integer> bind(Map<String, Tensor> inputs) {
        for (String name : inputs.keySet()) {
            if (signature.input(name) == null) {
                throw new InputException("unknown input '" + name + "'; " + artifact.name() + " takes " + names(signature.inputs()));
            }
        }
        Map<String, Integer> dims = new LinkedHashMap<>();
        for (Signature.Spec s : signature.inputs()) {
            Tensor t = inputs.get(s.name());
            if (t == null) {
                if (signature.isState(s.name())) {
                    continue;
                }
                throw new InputException("input '" + s.name() + "' is missing; expected " + describe(s));
            }
            if (t.dtype() != s.dtype() || t.rank() != s.dims().size()) {
                throw new InputException("input '" + s.name() + "': expected " + describe(s) + ", got " + t.dtype() + Shape.of(t.shape()));
            }
            for (int i = 0; i < t.rank(); i++) {
                Object d = s.dims().get(i);
                int got = t.dim(i);
                Integer want = d instanceof Integer n ? n : dims.get((String) d);
                if (want != null && want != got) {
                    throw new InputException("input '" + s.name() + "': expected " + describe(s) + ", got " + t.dtype() + Shape.of(t.shape())
                            + " (dim " + i + " " + (d instanceof String sym ? sym + " is " + want + " from another input" : "must be " + want) + ")");
                }
                if (d instanceof String sym) {
                    dims.put(sym, got);
                }
            }
        }
        for (String d : dynamicDims) {
            Integer size = dims.get(d);
            if (size == null) {
                throw new InputException("dim " + d + " is not given by any input; pass the inputs that carry it (" + names(signature.inputs()) + ")");
            }
            if (size < 1) {
                throw new InputException("dim " + d + " is " + size + "; an artifact runs sizes of 1 and more");
            }
        }
        return dims;
    }

    private CpuExecutable executable(Map<String, Integer> dims) {
        CpuExecutable exe = bound.get(dims);
        if (exe != null) {
            return exe;
        }
        Program program;
        try {
            Set<String> unit = new TreeSet<>();
            dynamicDims.stream().filter(d -> dims.get(d) == 1).forEach(unit::add);
            ProgramTemplate template = templates.get(unit);
            if (template == null) {
                throw new IllegalArgumentException("no program for " + unit + " at size 1");
            }
            program = ProgramText.read(template.bind(dims));
            program = planMemory ? MemoryPlanner.place(program) : program;
            ProgramVerifier.verify(program, "bind " + dims);
        } catch (IllegalArgumentException | InvalidProgramException e) {
            throw new ArtifactException(artifact.name() + ": its program does not bind to " + dims + " (" + e.getMessage() + ")", e);
        }
        exe = new CpuExecutable(program, null, kernels);
        if (bound.size() >= MAX_BINDINGS) {
            bound.clear();
        }
        CpuExecutable raced = bound.putIfAbsent(Map.copyOf(dims), exe);
        return raced != null ? raced : exe;
    }

    private static String describe(Signature.Spec s) {
        return s.dtype() + s.dims().toString();
    }

    private static String names(List<Signature.Spec> specs) {
        List<String> n = new ArrayList<>();
        specs.forEach(s -> n.add(s.name()));
        return String.join(", ", n);
    }

    /** The manifest's row split, every axis checked against the signature (a wrong one would cut the wrong axis). */
    private RowSplit readRowSplit(JsonObject split) {
        String dim = split.get("dim").getAsString();
        Map<String, Integer> inputs = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : split.getAsJsonObject("inputs").entrySet()) {
            inputs.put(e.getKey(), splitAxis(signature.input(e.getKey()), e.getKey(), e.getValue().getAsInt(), dim, false));
        }
        Map<String, Integer> outputs = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : split.getAsJsonObject("outputs").entrySet()) {
            Signature.Spec spec = signature.outputs().stream().filter(o -> o.name().equals(e.getKey())).findFirst().orElse(null);
            outputs.put(e.getKey(), splitAxis(spec, e.getKey(), e.getValue().getAsInt(), dim, true));
        }
        return new RowSplit(dim, inputs, outputs);
    }

    private static int splitAxis(Signature.Spec spec, String name, int axis, String dim, boolean mayBeWhole) {
        boolean fits = spec != null && (mayBeWhole && axis == -1 || axis >= 0 && axis < spec.dims().size() && dim.equals(spec.dims().get(axis)));
        if (!fits) {
            throw new IllegalArgumentException("rowSplit: '" + name + "' has no dim " + dim + " at axis " + axis);
        }
        return axis;
    }

    private static Map<String, ArtifactKernels.Entry> readKernels(Artifact a) {
        Map<String, ArtifactKernels.Entry> out = new HashMap<>();
        try {
            JsonObject index = com.google.gson.JsonParser.parseString(a.text(Artifact.KERNELS)).getAsJsonObject();
            for (JsonElement e : index.getAsJsonArray("kernels")) {
                JsonObject k = e.getAsJsonObject();
                byte[] classFile = a.bytes(k.get("class").getAsString());
                String source = a.text(k.get("source").getAsString());
                int[] inner = ints(k.getAsJsonArray("innerStrides"));
                out.put(k.get("key").getAsString(), new ArtifactKernels.Entry(classFile, source, k.get("lanes").getAsInt(),
                        k.get("maxLanes").getAsInt(), k.get("rank").getAsInt(), inner, ints(k.getAsJsonArray("elementSizes"))));
            }
        } catch (RuntimeException e) {
            if (e instanceof ArtifactException ae) {
                throw ae;
            }
            throw new ArtifactException(a.name() + " is damaged: its kernel index does not read (" + e.getMessage() + ")", e);
        }
        return out;
    }

    private static int[] ints(com.google.gson.JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    @Override
    public String toString() {
        return "SpoolModel(" + artifact.name() + ": " + signature.inputs() + " -> " + signature.outputs() + ")";
    }
}
