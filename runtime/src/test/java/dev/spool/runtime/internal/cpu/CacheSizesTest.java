package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The L2 size read from a Linux-style cache directory. */
class CacheSizesTest {
    private static void index(Path dir, int i, int level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + i));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }

    @Test
    void readsTheLevelTwoCache(@TempDir Path dir) throws IOException {
        index(dir, 0, 1, "Data", "48K");
        index(dir, 1, 1, "Instruction", "64K");
        index(dir, 2, 2, "Unified", "2048K");
        index(dir, 3, 3, "Unified", "491520K");
        assertEquals(2L << 20, CacheSizes.read(dir));
    }

    @Test
    void unknownWhenThereIsNone(@TempDir Path dir) throws IOException {
        assertEquals(0, CacheSizes.read(dir));
        index(dir, 0, 1, "Data", "32K");
        assertEquals(0, CacheSizes.read(dir));
    }

    @Test
    void sizesInKilobytesMegabytesOrBytes() {
        assertEquals(1L << 20, CacheSizes.parseSize("1024K"));
        assertEquals(1L << 20, CacheSizes.parseSize("1M"));
        assertEquals(512, CacheSizes.parseSize("512"));
    }
}
