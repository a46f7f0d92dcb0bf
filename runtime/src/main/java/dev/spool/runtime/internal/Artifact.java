package dev.spool.runtime.internal;

import dev.spool.graph.DType;
import dev.spool.graph.internal.AtomicWrite;
import dev.spool.runtime.ArtifactException;
import dev.spool.runtime.Signature;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The {@code .spool} file: a zip whose {@code manifest.json} gives the format version, the producer,
 * the backend, the signature, the dims (each fixed or dynamic), the pass lists of both compile
 * stages, and the SHA-256 of every other entry: {@code graph.txt} (the optimised graph, for
 * reading), {@code program.spt} (the lowered program as a {@link ProgramTemplate}),
 * {@code weights.safetensors}, and {@code kernels/index.json} with a class file and its Java source
 * per kernel. {@link #read} checks all of it and refuses a damaged file with an
 * {@link ArtifactException}; {@link #write} replaces the target only once the whole file is
 * written.
 *
 * <pre>{@code
 * Artifact a = Artifact.read(Path.of("model.spool"));
 * String program = a.text("program.spt");
 * }</pre>
 */
public final class Artifact {
    public static final String FORMAT = "spool-artifact";
    /**
     * The format version this build writes and reads. 2: kernel class files implement
     * {@code dev.spool.runtime.internal.cpu.CpuKernel} (version 1's named {@code dev.spool.runtime.cpu}).
     * 3: FloatMath's tanh became rational and exp uses fused multiply-adds; a kernel's vector lanes
     * inline that arithmetic while its scalar tails call the runtime's FloatMath, so a version-2 kernel
     * would now round its tails differently from its lanes and from the build that compiled it.
     */
    public static final int VERSION = 3;
    public static final String MANIFEST = "manifest.json";
    public static final String GRAPH = "graph.txt";
    public static final String PROGRAM = "program.spt";
    public static final String WEIGHTS = "weights.safetensors";
    public static final String KERNELS = "kernels/index.json";

    private final String name;
    private final JsonObject manifest;
    private final Map<String, byte[]> entries;

    private Artifact(String name, JsonObject manifest, Map<String, byte[]> entries) {
        this.name = name;
        this.manifest = manifest;
        this.entries = entries;
    }

    /** The file name the artifact was read from (for messages). */
    public String name() {
        return name;
    }

    /** The manifest as JSON. */
    public JsonObject manifest() {
        return manifest.deepCopy();
    }

    /** The bytes of an entry. */
    public byte[] bytes(String entry) {
        byte[] b = entries.get(entry);
        if (b == null) {
            throw new ArtifactException(name + " has no entry '" + entry + "': the artifact is incomplete; compile it again");
        }
        return b;
    }

    /** An entry as UTF-8 text. */
    public String text(String entry) {
        return new String(bytes(entry), StandardCharsets.UTF_8);
    }

    /** The names of all entries but the manifest, in file order. */
    public List<String> entries() {
        return new ArrayList<>(entries.keySet());
    }

    /**
     * Reads and checks an artifact: a complete zip, a manifest of this format and version, every
     * entry the manifest lists present with its SHA-256, and no entry it does not list.
     *
     * @throws ArtifactException one line naming the file and what is wrong
     */
    public static Artifact read(Path file) {
        String name = file.toString();
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ArtifactException("cannot read " + name + ": " + e.getMessage(), e);
        }
        return read(all, name);
    }

    /** {@link #read(Path)} for bytes already in memory; {@code name} is for messages. */
    public static Artifact read(byte[] bytes, String name) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(bytes), StandardCharsets.UTF_8)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new ArtifactException(name + " is not a complete .spool artifact (truncated or not a zip: " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new ArtifactException("cannot read " + name + ": " + e.getMessage(), e);
        }
        byte[] m = entries.remove(MANIFEST);
        if (m == null) {
            throw new ArtifactException(name + " is not a .spool artifact (no " + MANIFEST + "; truncated, or another kind of zip)");
        }
        JsonObject manifest;
        try {
            manifest = JsonParser.parseString(new String(m, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ArtifactException(name + " is damaged: its " + MANIFEST + " is not valid JSON");
        }
        if (!manifest.has("format") || !FORMAT.equals(manifest.get("format").getAsString())) {
            throw new ArtifactException(name + " is not a .spool artifact (manifest format is not '" + FORMAT + "')");
        }
        int version = manifest.has("formatVersion") ? manifest.get("formatVersion").getAsInt() : -1;
        if (version != VERSION) {
            throw new ArtifactException(name + " has format version " + version + ", this Spool reads version " + VERSION
                    + "; compile the artifact again with this version (" + producer() + ")");
        }
        JsonObject sums = manifest.getAsJsonObject("sha256");
        if (sums == null) {
            throw new ArtifactException(name + " is damaged: its manifest lists no checksums");
        }
        for (Map.Entry<String, JsonElement> s : sums.entrySet()) {
            byte[] content = entries.get(s.getKey());
            if (content == null) {
                throw new ArtifactException(name + " is missing entry '" + s.getKey() + "' (truncated or edited); compile it again");
            }
            if (!sha256(content).equals(s.getValue().getAsString())) {
                throw new ArtifactException(name + " is damaged: entry '" + s.getKey() + "' does not match its SHA-256 in the manifest");
            }
        }
        for (String e : entries.keySet()) {
            if (!sums.has(e)) {
                throw new ArtifactException(name + " has an entry the manifest does not list: '" + e + "' (edited after it was written?)");
            }
        }
        return new Artifact(name, manifest, entries);
    }

    /**
     * The bytes of an artifact: the manifest (to which this adds format, version, producer and
     * checksums) first, then the entries in order.
     */
    public static byte[] encode(JsonObject manifest, Map<String, byte[]> entries) {
        JsonObject m = new JsonObject();
        m.addProperty("format", FORMAT);
        m.addProperty("formatVersion", VERSION);
        m.addProperty("producer", producer());
        for (Map.Entry<String, JsonElement> e : manifest.entrySet()) {
            m.add(e.getKey(), e.getValue());
        }
        JsonObject sums = new JsonObject();
        entries.forEach((k, v) -> sums.addProperty(k, sha256(v)));
        m.add("sha256", sums);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8)) {
            put(zip, MANIFEST, new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(m).getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                put(zip, e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes {@link #encode}'s bytes to {@code file} through a temporary file renamed over it
     * ({@link AtomicWrite}), so a reader never sees a partial artifact.
     */
    public static void write(Path file, JsonObject manifest, Map<String, byte[]> entries) throws IOException {
        AtomicWrite.write(file, encode(manifest, entries));
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(0);   // the same model compiles to the same bytes
        zip.putNextEntry(e);
        zip.write(content);
        zip.closeEntry();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "spool" and this build's version, as written into manifests. */
    public static String producer() {
        String v = Artifact.class.getPackage().getImplementationVersion();
        return "spool " + (v != null ? v : "0.1.0-SNAPSHOT");
    }

    /** A signature as manifest JSON. */
    public static JsonObject toJson(Signature s) {
        JsonObject o = new JsonObject();
        o.add("inputs", specs(s.inputs()));
        o.add("outputs", specs(s.outputs()));
        JsonArray state = new JsonArray();
        for (Signature.State st : s.state()) {
            JsonObject p = new JsonObject();
            p.addProperty("input", st.input());
            p.addProperty("output", st.output());
            state.add(p);
        }
        o.add("state", state);
        if (s.sequence() != null) {
            o.addProperty("sequence", s.sequence());
        }
        return o;
    }

    /** The manifest's signature. */
    public Signature signature() {
        try {
            JsonObject o = manifest.getAsJsonObject("signature");
            List<Signature.State> state = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("state")) {
                state.add(new Signature.State(e.getAsJsonObject().get("input").getAsString(), e.getAsJsonObject().get("output").getAsString()));
            }
            return new Signature(specs(o.getAsJsonArray("inputs")), specs(o.getAsJsonArray("outputs")), state,
                    o.has("sequence") ? o.get("sequence").getAsString() : null);
        } catch (RuntimeException e) {
            throw new ArtifactException(name + " is damaged: its manifest has no valid signature (" + e.getMessage() + ")", e);
        }
    }

    private static JsonArray specs(List<Signature.Spec> specs) {
        JsonArray a = new JsonArray();
        for (Signature.Spec s : specs) {
            JsonObject o = new JsonObject();
            o.addProperty("name", s.name());
            o.addProperty("dtype", s.dtype().name());
            JsonArray dims = new JsonArray();
            for (Object d : s.dims()) {
                if (d instanceof Integer i) {
                    dims.add(i);
                } else {
                    dims.add(d.toString());
                }
            }
            o.add("shape", dims);
            a.add(o);
        }
        return a;
    }

    private static List<Signature.Spec> specs(JsonArray a) {
        List<Signature.Spec> out = new ArrayList<>();
        for (JsonElement e : a) {
            JsonObject o = e.getAsJsonObject();
            List<Object> dims = new ArrayList<>();
            for (JsonElement d : o.getAsJsonArray("shape")) {
                dims.add(d.getAsJsonPrimitive().isNumber() ? (Object) d.getAsInt() : d.getAsString());
            }
            out.add(new Signature.Spec(o.get("name").getAsString(), DType.valueOf(o.get("dtype").getAsString()), dims));
        }
        return out;
    }

}
