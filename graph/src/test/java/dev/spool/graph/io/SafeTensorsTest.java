package dev.spool.graph.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A file laid out by hand: little-endian header length, the header exactly as given, then the data. */
    private static byte[] file(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private static String readError(byte[] bytes) {
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(bytes, "w.safetensors"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("w.safetensors: "), e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "'" + p + "' not in: " + message);
        }
    }

    private static void assertSameTensor(Tensor want, Tensor got) {
        assertEquals(want.dtype(), got.dtype());
        assertArrayEquals(want.shape(), got.shape());
        assertArrayEquals(want.toDoubles(), got.toDoubles());
    }

    @Test
    void roundTripKeepsValuesAndOrder() throws IOException {
        Tensor seq = Tensor.fromDoubles(DType.F32, new int[] {3, 2}, 1, 2, 3, 4, 5, 6);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("z_f32", Tensor.ofFloats(new int[] {2, 2}, 1.5f, -0f, Float.NaN, Float.MAX_VALUE));
        in.put("f64", Tensor.ofDoubles(new int[] {3}, Math.PI, -1e300, Double.MIN_VALUE));
        in.put("i32", Tensor.ofInts(new int[] {2}, Integer.MIN_VALUE, 7));
        in.put("i64", Tensor.ofLongs(new int[] {2}, Long.MAX_VALUE, -3));
        in.put("bool", Tensor.ofBools(new int[] {3}, true, false, true));
        in.put("scalar", Tensor.scalar(2.25, DType.F64));
        in.put("scalar_bool", Tensor.scalar(1, DType.BOOL));
        in.put("empty", Tensor.zeros(DType.I64, 0, 4));
        in.put("empty_bool", Tensor.zeros(DType.BOOL, 2, 0));
        in.put("view", seq.slice0(1, 2)); // offset 2 into a 6-element array
        in.put("step", seq.step(2));
        in.put("ünïcode name", Tensor.ofInts(new int[] {1}, 42));

        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, in);
        Map<String, Tensor> out = SafeTensors.read(file);

        assertEquals(List.copyOf(in.keySet()), List.copyOf(out.keySet()));
        for (String name : in.keySet()) {
            assertSameTensor(in.get(name), out.get(name));
        }
        assertArrayEquals(new double[] {3, 4, 5, 6}, out.get("view").toDoubles());
        assertEquals(Long.MAX_VALUE, out.get("i64").getLong(0));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(out.get("z_f32").floats()[1]));
        assertArrayEquals(Files.readAllBytes(file), SafeTensors.encode(in));
    }

    @Test
    void handBuiltLittleEndianBytesDecodeToExpectedValues() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(4 * 2 + 8 + 4 + 8 + 2).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-2f).putDouble(0.1).putInt(-5).putLong(1L << 40).put((byte) 1).put((byte) 0);
        String json = "{" + entry("f", "F32", "[2]", 0, 8) + "," + entry("d", "F64", "[]", 8, 16) + ","
                + entry("i", "I32", "[1,1]", 16, 20) + "," + entry("l", "I64", "[1]", 20, 28) + ","
                + entry("b", "BOOL", "[2]", 28, 30) + ",\"__metadata__\":{\"format\":\"pt\"}}";

        Map<String, Tensor> m = SafeTensors.read(file(json, data.array()), "hand");

        assertEquals(List.of("f", "d", "i", "l", "b"), List.copyOf(m.keySet()));
        assertSameTensor(Tensor.ofFloats(new int[] {2}, 1.5f, -2f), m.get("f"));
        assertSameTensor(Tensor.scalar(0.1, DType.F64), m.get("d"));
        assertSameTensor(Tensor.ofInts(new int[] {1, 1}, -5), m.get("i"));
        assertSameTensor(Tensor.ofLongs(new int[] {1}, 1L << 40), m.get("l"));
        assertSameTensor(Tensor.ofBools(new int[] {2}, true, false), m.get("b"));
    }

    @Test
    void readsReferenceLayoutWithSpacePaddedHeader() throws IOException {
        // What Python's safetensors writes for {"a": torch.tensor([1., 2.])} (modulo metadata): header padded to 8.
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        String padded = json + " ".repeat((8 - json.length() % 8) % 8);
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f).array();
        Path file = dir.resolve("ref.safetensors");
        Files.write(file, file(padded, data));

        Map<String, Tensor> m = SafeTensors.read(file);

        assertSameTensor(Tensor.ofFloats(new int[] {2}, 1f, 2f), m.get("a"));
    }

    @Test
    void encodedHeaderIsSpacePaddedToMultipleOf8AndDataFollowsInOrder() {
        for (int nameLength = 1; nameLength <= 9; nameLength++) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("x".repeat(nameLength), Tensor.ofInts(new int[] {1}, 0x01020304));
            m.put("y", Tensor.ofBools(new int[] {2}, false, true));
            byte[] b = SafeTensors.encode(m);
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            long n = buf.getLong(0);
            assertEquals(0, n % 8, "header length " + n);
            String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{") && header.strip().endsWith("}"), header);
            assertTrue(header.substring(header.strip().length()).isBlank(), header);
            assertEquals(8 + n + 6, b.length);
            assertEquals(0x01020304, buf.getInt(8 + (int) n));
            assertEquals(0, b[8 + (int) n + 4]);
            assertEquals(1, b[8 + (int) n + 5]);
        }
    }

    @Test
    void truncatedFileIsRefusedWithItsName() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(file));
        assertContains(e.getMessage(), file.toString(), "not a safetensors file", "too short", "3 bytes");
    }

    @Test
    void missingFileIsReportedOnOneLine() {
        Path file = dir.resolve("nope.safetensors");
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(file));
        assertEquals("file not found: " + file, e.getMessage());
    }

    @Test
    void headerLongerThanFileIsRefused() {
        byte[] b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array();
        assertContains(readError(b), "not a safetensors file", "header length 100", "4 bytes");
        byte[] huge = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array();
        assertContains(readError(huge), "header length 18446744073709551615");
    }

    @Test
    void absurdHeaderLengthIsRefused() {
        int n = (100 << 20) + 8;
        byte[] b = new byte[8 + n];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
        assertContains(readError(b), "header length " + n, "limit");
    }

    @Test
    void headerThatIsNotAJsonObjectIsRefused() {
        assertContains(readError(file("[1, 2]", new byte[0])), "not a safetensors file: header is not a JSON object");
        assertContains(readError(file("   ", new byte[0])), "not a safetensors file: header is not a JSON object");
        assertContains(readError(file("{\"a\": ", new byte[0])), "not a safetensors file", "not valid JSON");
        assertContains(readError(file("{a: 1}", new byte[0])), "not valid JSON"); // lenient JSON is not accepted
        assertContains(readError(file("{} x", new byte[0])), "not valid JSON: malformed JSON at line 1");
        assertContains(readError(new byte[] {2, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xfe}), "not valid UTF-8");
    }

    @Test
    void entryMissingOrMistypedFieldsNamesTensorAndField() {
        assertContains(readError(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])), "tensor 'w'", "\"dtype\"");
        assertContains(readError(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4])), "tensor 'w'", "\"shape\"");
        assertContains(readError(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4])), "tensor 'w'", "\"data_offsets\"");
        assertContains(readError(file("{\"w\":{\"dtype\":3,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])),
                "tensor 'w'", "\"dtype\": 3", "expected a string");
        assertContains(readError(file("{\"w\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", new byte[4])),
                "tensor 'w'", "\"shape\": \"1\"", "array of integers");
        assertContains(readError(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4])),
                "tensor 'w'", "[1.5]", "array of integers");
        assertContains(readError(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4])),
                "tensor 'w'", "data_offsets [0]");
        assertContains(readError(file("{\"w\":[1]}", new byte[4])), "tensor 'w'", "not a JSON object");
    }

    @Test
    void unsupportedDtypeIsNamedWithTheSupportedOnes() {
        String msg = readError(file("{" + entry("w", "BF16", "[2]", 0, 4) + "}", new byte[4]));
        assertContains(msg, "tensor 'w'", "BF16", "F32, F64, I32, I64, BOOL");
    }

    @Test
    void negativeDimensionIsRefused() {
        assertContains(readError(file("{" + entry("w", "F32", "[2,-1]", 0, 0) + "}", new byte[0])), "tensor 'w'", "-1", "< 0");
    }

    @Test
    void sizeMismatchNamesShapeBytesAndOffsets() {
        String msg = readError(file("{" + entry("weight_ih_l0", "F32", "[4,3]", 0, 40) + "}", new byte[40]));
        assertEquals("w.safetensors: tensor 'weight_ih_l0' has shape [4, 3] of F32 = 48 bytes but data_offsets [0, 40] span 40 bytes", msg);
    }

    @Test
    void beginAfterEndIsRefused() {
        assertContains(readError(file("{" + entry("w", "F32", "[1]", 8, 4) + "}", new byte[8])), "tensor 'w'", "[8, 4]", "begin > end");
    }

    @Test
    void endBeyondDataSectionIsRefused() {
        assertContains(readError(file("{" + entry("w", "F64", "[2]", 0, 16) + "}", new byte[12])),
                "tensor 'w'", "[0, 16]", "data section is 12 bytes");
    }

    @Test
    void overlappingTensorsAreBothNamed() {
        String json = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "I32", "[2]", 4, 12) + "}";
        assertContains(readError(file(json, new byte[12])), "'a' [0, 8]", "'b' [4, 12]", "overlap");
    }

    @Test
    void emptyTensorInsideAnotherRangeIsNotAnOverlap() throws IOException {
        String json = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("e", "F32", "[0]", 4, 4) + "}";
        assertEquals(2, SafeTensors.read(file(json, new byte[8]), "x").size());
    }

    @Test
    void duplicateTensorNameIsRefused() {
        String json = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}";
        assertContains(readError(file(json, new byte[8])), "'a'", "twice");
    }

    @Test
    void writeLeavesNoFileWhenDirectoryIsMissing() {
        Path file = dir.resolve("missing").resolve("w.safetensors");
        assertThrows(IOException.class, () -> SafeTensors.write(file, Map.of("w", Tensor.zeros(DType.F32, 2))));
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(file.getParent()));
    }

    @Test
    void writeReplacesExistingFileAndLeavesNoTempFiles() throws IOException {
        Path file = dir.resolve("w.safetensors");
        Files.writeString(file, "old");
        SafeTensors.write(file, Map.of("w", Tensor.ofFloats(new int[] {1}, 3f)));
        SafeTensors.write(file, Map.of("w", Tensor.ofFloats(new int[] {1}, 4f)));
        assertEquals(4.0, SafeTensors.read(file).get("w").getDouble(0));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void metadataIsNotATensorName() {
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.encode(Map.of("__metadata__", Tensor.zeros(DType.F32))));
    }

    @Test
    void metadataRoundTripsAndIsSkippedByRead(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, Map.of("w", Tensor.ofFloats(new int[] {2}, 1, 2)), Map.of("spool.config", "{\"cell\":\"rnn\"}"));
        assertEquals(Map.of("spool.config", "{\"cell\":\"rnn\"}"), SafeTensors.readMetadata(f));
        assertEquals(java.util.Set.of("w"), SafeTensors.read(f).keySet());
        Path plain = dir.resolve("p.safetensors");
        SafeTensors.write(plain, Map.of("w", Tensor.ofFloats(new int[] {1}, 1)));
        assertTrue(SafeTensors.readMetadata(plain).isEmpty());
    }
}
