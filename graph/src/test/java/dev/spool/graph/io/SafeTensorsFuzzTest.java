package dev.spool.graph.io;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutation fuzzing of {@link SafeTensors#read(byte[], String)}: tens of thousands of valid
 * files with bytes flipped, inserted, deleted or truncated, and header text spliced (digits, quotes,
 * brackets, huge numbers). Every outcome must be a decoded map or a {@link SafeTensorsException};
 * any other exception fails with the seed and case that reproduce it.
 */
class SafeTensorsFuzzTest {
    static final int CASES = 40_000;
    private static final String[] TOKENS = {"0", "-1", "9999999999999999999", "4611686018427387904", "2147483648", "1e3", "1.5", "\"", "[", "]",
            "{", "}", ",", ":", "null", "true", "\"F64\"", "\"BOOL\"", "\"I64\"", "\"__metadata__\"", "\"data_offsets\"", "\"shape\"", "\\u0000", " "};

    /** Valid files to start from: several dtypes, an empty and a scalar tensor, metadata. */
    static List<byte[]> seeds() {
        Map<String, Tensor> a = new LinkedHashMap<>();
        a.put("w", Tensor.ofFloats(new int[] {2, 3}, 1, 2, 3, 4, 5, 6));
        a.put("b", Tensor.zeros(DType.F64, 3));
        a.put("ids", Tensor.ofLongs(new int[] {2}, 7, 9));
        a.put("empty", Tensor.zeros(DType.F32, 0, 4));
        a.put("s", Tensor.scalar(DType.I32, 5));
        Map<String, Tensor> b = Map.of("x", Tensor.zeros(DType.F32, 1, 2, 2));
        return List.of(SafeTensors.encode(a), SafeTensors.encode(b, Map.of("spool.model", "{\"format\":\"spool-lm/1\"}")),
                SafeTensors.encode(Map.of()));
    }

    /** One mutation of {@code in} (1 to 4 edits). */
    static byte[] mutate(byte[] in, SplittableRandom rnd) {
        byte[] b = in;
        int edits = 1 + rnd.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int headerEnd = b.length < 8 ? b.length
                    : (int) Math.min(b.length, 8 + Math.max(0, Math.min(b.length, java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0))));
            switch (rnd.nextInt(7)) {
                case 0 -> { // flip a byte anywhere
                    if (b.length > 0) {
                        b = b.clone();
                        b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
                    }
                }
                case 1 -> { // truncate
                    b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                }
                case 2 -> { // a byte of the length field
                    if (b.length >= 8) {
                        b = b.clone();
                        b[rnd.nextInt(8)] = (byte) rnd.nextInt(256);
                    }
                }
                case 3 -> b = splice(b, 8 + rnd.nextInt(Math.max(1, headerEnd - 8)), TOKENS[rnd.nextInt(TOKENS.length)], rnd.nextInt(3), true);
                case 4 -> b = splice(b, 8 + rnd.nextInt(Math.max(1, headerEnd - 8)), TOKENS[rnd.nextInt(TOKENS.length)], rnd.nextInt(3), false);
                case 5 -> { // append junk data
                    byte[] junk = new byte[rnd.nextInt(16)];
                    rnd.nextBytes(junk);
                    byte[] c = java.util.Arrays.copyOf(b, b.length + junk.length);
                    System.arraycopy(junk, 0, c, b.length, junk.length);
                    b = c;
                }
                default -> { // a digit of the header changed
                    b = b.clone();
                    for (int tries = 0; tries < 20 && b.length > 8; tries++) {
                        int i = 8 + rnd.nextInt(b.length - 8);
                        if (b[i] >= '0' && b[i] <= '9') {
                            b[i] = (byte) ('0' + rnd.nextInt(10));
                            break;
                        }
                    }
                }
            }
        }
        return b;
    }

    /**
     * Replaces {@code remove} bytes at {@code at} by {@code text}; with {@code keepLength} the
     * header length field is adjusted so the header still parses as far as it can.
     */
    private static byte[] splice(byte[] b, int at, String text, int remove, boolean keepLength) {
        if (at > b.length) {
            return b;
        }
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        int cut = Math.min(remove, b.length - at);
        byte[] c = new byte[b.length - cut + t.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(t, 0, c, at, t.length);
        System.arraycopy(b, at + cut, c, at + t.length, b.length - at - cut);
        if (keepLength && c.length >= 8) {
            long n = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
            java.nio.ByteBuffer.wrap(c).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, n + t.length - cut);
        }
        return c;
    }

    @Test
    void mutatedFilesGiveTheTypedErrorOrTensorsNeverAnotherException() {
        List<byte[]> seeds = seeds();
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            SplittableRandom rnd = new SplittableRandom(i);
            byte[] bytes = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            try {
                SafeTensors.read(bytes, "fuzz");
            } catch (SafeTensorsException expected) {
                refused++;
                assertTrue(expected.getMessage().startsWith("fuzz: ") && !expected.getMessage().contains("\n"), expected.getMessage());
            } catch (RuntimeException | Error e) {
                throw new AssertionError("case " + i + " (new SplittableRandom(" + i + ")): " + e, e);
            }
        }
        assertTrue(refused > CASES / 2, "most mutations are refused: " + refused);
    }
}
