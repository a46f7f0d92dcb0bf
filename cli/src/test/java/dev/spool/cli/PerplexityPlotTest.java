package dev.spool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PerplexityPlotTest {

    @Test
    void writesAPngOfTheChartSizeAndNothingElse(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("perplexity.png");
        PerplexityPlot.write(png, List.of(20.6, 17.1, 12.0, 9.5, 8.1), List.of(16.7, 16.0, 11.2, 9.9, 8.8), "rnn H32, lr 1");
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(bytes, 8), "PNG signature");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO reads it back");
        assertEquals(PerplexityPlot.WIDTH, img.getWidth());
        assertEquals(PerplexityPlot.HEIGHT, img.getHeight());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(png), files.toList(), "no temporary file left behind");
        }
        PerplexityPlot.write(png, List.of(7.0), List.of(7.5), "one epoch, linear", false); // overwrites
        assertEquals(PerplexityPlot.WIDTH, ImageIO.read(png.toFile()).getWidth());
    }

    @Test
    void failuresLeaveNoFile(@TempDir Path dir) {
        Path png = dir.resolve("p.png");
        assertThrows(IllegalArgumentException.class, () -> PerplexityPlot.write(png, List.of(1.0, 2.0), List.of(1.0), "t"));
        assertThrows(IllegalArgumentException.class, () -> PerplexityPlot.write(png, List.of(), List.of(), "t"));
        assertThrows(IllegalArgumentException.class, () -> PerplexityPlot.write(png, List.of(0.0), List.of(1.0), "t", true));
        assertFalse(Files.exists(png));
        Path missing = dir.resolve("no-such-dir/p.png");
        assertThrows(IOException.class, () -> PerplexityPlot.write(missing, List.of(9.0), List.of(9.0), "t"));
        assertFalse(Files.exists(missing.getParent()));
    }
}
