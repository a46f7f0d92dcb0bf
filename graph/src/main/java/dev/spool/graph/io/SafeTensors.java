package dev.spool.graph.io;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.internal.AtomicWrite;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format: an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON
 * {@code {name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, "__metadata__": {...}}}, then
 * the raw little-endian data, offsets relative to its start. Supported dtypes are those of {@link DType}; BOOL is
 * one byte per element.
 *
 * <pre>{@code
 * SafeTensors.write(Path.of("w.safetensors"), Map.of("w", Tensor.ofFloats(new int[] {2}, 1, 2)));
 * Map<String, Tensor> m = SafeTensors.read(Path.of("w.safetensors"));   // {w=F32[2][1.0, 2.0]}
 * }</pre>
 */
public final class SafeTensors {
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA = "__metadata__";
    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);

    private SafeTensors() {
    }

    /**
     * Reads all tensors of a file, in header order.
     *
     * <pre>{@code Tensor w = SafeTensors.read(Path.of("model.safetensors")).get("weight_ih_l0");}</pre>
     *
     * @throws SafeTensorsException if the file is missing, unreadable or malformed (one-line message naming it)
     */
    public static Map<String, Tensor> read(Path file) throws SafeTensorsException {
        return read(readBytes(file), file.toString());
    }

    private static byte[] readBytes(Path file) throws SafeTensorsException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SafeTensorsException("file not found: " + file, e);
        } catch (IOException | OutOfMemoryError e) {
            throw new SafeTensorsException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes the bytes of a safetensors file, in header order; {@code sourceName} prefixes error messages.
     *
     * <pre>{@code Map<String, Tensor> m = SafeTensors.read(SafeTensors.encode(tensors), "in-memory");}</pre>
     */
    public static Map<String, Tensor> read(byte[] bytes, String sourceName) throws SafeTensorsException {
        if (bytes.length < 8) {
            throw fail(sourceName, "not a safetensors file: " + bytes.length + " bytes is too short (needs at least 8)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong(0); // unsigned on disk
        if (Long.compareUnsigned(n, bytes.length - 8L) > 0) {
            throw fail(sourceName, "not a safetensors file: header length " + Long.toUnsignedString(n)
                    + " exceeds the " + (bytes.length - 8) + " bytes after the length field (truncated?)");
        }
        if (n > MAX_HEADER_BYTES) {
            throw fail(sourceName, "header length " + n + " is larger than the " + MAX_HEADER_BYTES + "-byte limit");
        }
        int dataStart = 8 + (int) n;
        Map<String, JsonElement> header = parseHeader(buf.slice(8, (int) n), sourceName);

        long dataLength = bytes.length - dataStart;
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>(); // {begin, end, index into names}
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals(METADATA)) {
                continue;
            }
            String where = "tensor '" + name + "'";
            if (!e.getValue().isJsonObject()) {
                throw fail(sourceName, where + ": entry is " + e.getValue() + ", not a JSON object");
            }
            JsonObject entry = e.getValue().getAsJsonObject();
            String dtypeName = string(entry, "dtype", sourceName, where);
            DType dtype = DType.fromSafetensors(dtypeName);
            if (dtype == null) {
                throw fail(sourceName, where + " has unsupported dtype " + dtypeName + " (supported: "
                        + Arrays.toString(DType.values()).replaceAll("[\\[\\]]", "") + ")");
            }
            long[] dims = integers(entry, "shape", sourceName, where);
            long[] offsets = integers(entry, "data_offsets", sourceName, where);
            int[] shape = new int[dims.length];
            long volume = 1;
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                    throw fail(sourceName, where + " has shape " + Arrays.toString(dims) + " with dimension " + dims[i]
                            + (dims[i] < 0 ? " < 0" : " > " + Integer.MAX_VALUE));
                }
                shape[i] = (int) dims[i];
                volume = saturatingMultiply(volume, dims[i]);
            }
            if (offsets.length != 2) {
                throw fail(sourceName, where + " has data_offsets " + Arrays.toString(offsets) + " but needs [begin, end]");
            }
            long begin = offsets[0];
            long end = offsets[1];
            if (begin < 0 || begin > end) {
                throw fail(sourceName, where + " has data_offsets [" + begin + ", " + end + "] with begin "
                        + (begin < 0 ? "< 0" : "> end"));
            }
            if (end > dataLength) {
                throw fail(sourceName, where + " has data_offsets [" + begin + ", " + end + "] but the data section is "
                        + dataLength + " bytes");
            }
            long expected = saturatingMultiply(volume, dtype.byteSize());
            if (expected != end - begin) {
                throw fail(sourceName, where + " has shape " + Arrays.toString(shape) + " of " + dtype + " = "
                        + (expected == Long.MAX_VALUE ? "too many" : Long.toString(expected)) + " bytes but data_offsets ["
                        + begin + ", " + end + "] span " + (end - begin) + " bytes");
            }
            ranges.add(new long[] {begin, end, names.size()});
            names.add(name);
            out.put(name, decode(dtype, shape, buf.slice(dataStart + (int) begin, (int) (end - begin))));
        }
        checkNoOverlap(ranges, names, sourceName);
        return out;
    }

    /**
     * Writes the tensors in the map's iteration order, atomically: the bytes go to a temporary file in the target's
     * directory which is then renamed over the target, so a failure never leaves a partial file.
     *
     * <pre>{@code SafeTensors.write(Path.of("out.safetensors"), Map.of("bias", Tensor.zeros(DType.F32, 4)));}</pre>
     */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /** As {@link #write(Path, Map)}, with string {@code __metadata__} (e.g. a model's configuration): {@code write(path, tensors, Map.of("cell", "lstm"))}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        AtomicWrite.write(file, encode(tensors, metadata));
    }

    /**
     * Encodes the tensors in the map's iteration order, data contiguous in that order, the header padded with spaces
     * to a multiple of 8 bytes (as the reference implementation does).
     *
     * <pre>{@code byte[] b = SafeTensors.encode(Map.of("x", Tensor.scalar(7, DType.I64)));}</pre>
     */
    public static byte[] encode(Map<String, Tensor> tensors) {
        return encode(tensors, Map.of());
    }

    /** As {@link #encode(Map)}, with string {@code __metadata__}: {@code encode(tensors, Map.of("format", "pt"))}. */
    public static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add(METADATA, meta);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new IllegalArgumentException("'" + METADATA + "' is reserved and cannot name a tensor");
            }
            Tensor t = e.getValue();
            long bytes = (long) t.size() * t.dtype().byteSize();
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", t.dtype().name());
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) {
                shape.add(d);
            }
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            entry.add("data_offsets", offsets);
            header.add(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("safetensors encoding of " + total + " bytes exceeds the 2 GB a Java array holds");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.position() < 8 + padded) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            int off = t.offset();
            int n = t.size();
            switch (t.dtype()) {
                // A view's elements start at its offset into the shared array.
                case F32 -> out.asFloatBuffer().put((float[]) t.data(), off, n);
                case F64 -> out.asDoubleBuffer().put((double[]) t.data(), off, n);
                case I32 -> out.asIntBuffer().put((int[]) t.data(), off, n);
                case I64 -> out.asLongBuffer().put((long[]) t.data(), off, n);
                case BOOL -> {
                    boolean[] b = (boolean[]) t.data();
                    for (int i = 0; i < n; i++) {
                        out.put(out.position() + i, (byte) (b[off + i] ? 1 : 0));
                    }
                }
            }
            out.position(out.position() + n * t.dtype().byteSize()); // the views above do not advance it
        }
        return out.array();
    }

    /**
     * The file's {@code __metadata__} (string to string; empty when absent), after the same checks of
     * the header as {@link #read(Path)}.
     *
     * <pre>{@code String cfg = SafeTensors.readMetadata(Path.of("model.spool")).get("spool.config");}</pre>
     */
    public static Map<String, String> readMetadata(Path file) throws SafeTensorsException {
        byte[] bytes = readBytes(file);
        read(bytes, file.toString());
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        JsonElement meta = parseHeader(buf.slice(8, (int) buf.getLong(0)), file.toString()).get(METADATA);
        Map<String, String> out = new LinkedHashMap<>();
        if (meta == null) {
            return out;
        }
        if (!meta.isJsonObject()) {
            throw fail(file.toString(), "__metadata__ is " + meta + ", not a JSON object");
        }
        for (Map.Entry<String, JsonElement> e : meta.getAsJsonObject().entrySet()) {
            if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                throw fail(file.toString(), "__metadata__ entry '" + e.getKey() + "' is " + e.getValue() + ", not a string");
            }
            out.put(e.getKey(), e.getValue().getAsString());
        }
        return out;
    }

    /** The header's top-level entries in order; strict JSON, and duplicate names are refused. */
    private static Map<String, JsonElement> parseHeader(ByteBuffer raw, String source) throws SafeTensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(raw).toString();
        } catch (CharacterCodingException e) {
            throw fail(source, "not a safetensors file: header is not valid UTF-8");
        }
        Map<String, JsonElement> entries = new LinkedHashMap<>();
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            if (text.isBlank() || r.peek() != JsonToken.BEGIN_OBJECT) {
                throw fail(source, "not a safetensors file: header is not a JSON object");
            }
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (entries.put(name, JSON.read(r)) != null) {
                    throw fail(source, "header names tensor '" + name + "' twice");
                }
            }
            r.endObject();
            r.peek(); // in strict mode this throws on anything but whitespace after the object
        } catch (SafeTensorsException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Gson's messages add a second line pointing at its troubleshooting guide and suggest lenient parsing.
            String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                    .replaceFirst("Use JsonReader\\.setStrictness\\(.*?\\) to accept malformed JSON", "malformed JSON");
            throw fail(source, "not a safetensors file: header is not valid JSON: " + msg);
        }
        return entries;
    }

    private static String string(JsonObject entry, String key, String source, String where) throws SafeTensorsException {
        JsonElement v = entry.get(key);
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw fail(source, where + (v == null ? " has no \"" + key + "\"" : " has \"" + key + "\": " + v + ", expected a string"));
        }
        return v.getAsString();
    }

    private static long[] integers(JsonObject entry, String key, String source, String where) throws SafeTensorsException {
        JsonElement v = entry.get(key);
        if (v == null) {
            throw fail(source, where + " has no \"" + key + "\"");
        }
        String bad = where + " has \"" + key + "\": " + v + ", expected an array of integers";
        if (!v.isJsonArray()) {
            throw fail(source, bad);
        }
        JsonArray a = v.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = a.get(i);
            // Gson would silently truncate 1.5 or 1e3 to a long, so insist on plain integer literals.
            if (!(x instanceof JsonPrimitive p && p.isNumber() && p.getAsString().matches("-?\\d+"))) {
                throw fail(source, bad);
            }
            try {
                out[i] = Long.parseLong(x.getAsString());
            } catch (NumberFormatException tooLong) {
                throw fail(source, where + " has \"" + key + "\" value " + x.getAsString() + ", which is too large (more than 2^63 - 1)");
            }
        }
        return out;
    }

    private static void checkNoOverlap(List<long[]> ranges, List<String> names, String source) throws SafeTensorsException {
        long[] prev = null;
        ranges.sort(Comparator.comparingLong((long[] r) -> r[0]).thenComparingLong(r -> r[1]));
        for (long[] r : ranges) {
            if (r[0] == r[1]) {
                continue; // empty tensors occupy no bytes
            }
            if (prev != null && r[0] < prev[1]) {
                throw fail(source, "tensors '" + names.get((int) prev[2]) + "' [" + prev[0] + ", " + prev[1] + "] and '"
                        + names.get((int) r[2]) + "' [" + r[0] + ", " + r[1] + "] overlap");
            }
            prev = r;
        }
    }

    private static Tensor decode(DType dtype, int[] shape, ByteBuffer bytes) {
        Tensor t = Tensor.zeros(dtype, shape);
        bytes.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> bytes.asFloatBuffer().get(t.floats());
            case F64 -> bytes.asDoubleBuffer().get(t.doubles());
            case I32 -> bytes.asIntBuffer().get(t.ints());
            case I64 -> bytes.asLongBuffer().get(t.longs());
            case BOOL -> {
                boolean[] b = t.bools();
                for (int i = 0; i < b.length; i++) {
                    b[i] = bytes.get(i) != 0;
                }
            }
        }
        return t;
    }

    /** a × b for non-negative values, Long.MAX_VALUE when that overflows (no real size comes close). */
    private static long saturatingMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    private static SafeTensorsException fail(String source, String message) {
        return new SafeTensorsException(source + ": " + message);
    }
}
