package dev.spool.runtime.internal.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The size of one core's L2 cache, as Linux reports it ({@code /sys/devices/system/cpu/cpu0/cache}),
 * for decisions that depend on whether a weight stays in a core's cache (see {@code RowSplit}).
 * {@code -Dspool.l2Bytes=N} overrides it (0: unknown); elsewhere than Linux it is unknown, and code
 * that asks treats unknown as "does not fit".
 *
 * <pre>{@code long l2 = CacheSizes.L2_BYTES;   // 2097152 on a Xeon with 2 MB of L2 per core }</pre>
 */
public final class CacheSizes {
    /** One core's L2 cache in bytes, or 0 when unknown. */
    public static final long L2_BYTES = Long.getLong("spool.l2Bytes", read(Path.of("/sys/devices/system/cpu/cpu0/cache")));

    private CacheSizes() {
    }

    /** The unified or data cache of level 2 under {@code dir}'s {@code index*} entries, in bytes; 0 when there is none. */
    static long read(Path dir) {
        for (int i = 0; i < 8; i++) {
            Path index = dir.resolve("index" + i);
            try {
                if (!Files.isDirectory(index) || !Files.readString(index.resolve("level")).trim().equals("2")
                        || Files.readString(index.resolve("type")).trim().equals("Instruction")) {
                    continue;
                }
                return parseSize(Files.readString(index.resolve("size")).trim());
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }
        return 0;
    }

    /** "2048K" → 2097152; "1M" → 1048576; a plain number is bytes. */
    static long parseSize(String s) {
        char unit = Character.toUpperCase(s.charAt(s.length() - 1));
        long scale = unit == 'K' ? 1L << 10 : unit == 'M' ? 1L << 20 : unit == 'G' ? 1L << 30 : 1;
        String digits = scale == 1 ? s : s.substring(0, s.length() - 1);
        return Long.parseLong(digits) * scale;
    }
}
