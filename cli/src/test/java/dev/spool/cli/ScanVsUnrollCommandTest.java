package dev.spool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code spool bench scan-vs-unroll} end to end on a tiny sweep, and its refusals. */
class ScanVsUnrollCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result spool(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aTinySweepWritesTheCsvChartsAndSummary() throws Exception {
        Path dir = tmp.resolve("study");
        Result r = spool("bench", "scan-vs-unroll", "--cell", "gru", "--hidden", "4", "--batch", "2", "--lengths", "2,4", "--unroll-factors", "1,2,full",
                "--grad", "--checkpoint", "2", "--repeats", "1", "--rounds", "2", "--warmup-seconds", "0", "--settle-seconds", "0", "--torch", "off", "--no-progress", "--out", dir.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertEquals(String.join(",", StudyRow.HEADER), csv.get(0));
        // forward and train at 2 lengths and 3 strategies, plus the checkpointed train point at each length.
        assertEquals(1 + 2 * 2 * 3 + 2, csv.size(), String.join("\n", csv));
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("gru,4,2,train,scan+ckpt-2,2,4,")), String.join("\n", csv));
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",");
            double msPerToken = Double.parseDouble(f[StudyRow.HEADER.indexOf("ms_per_token")]);
            long nodes = Long.parseLong(f[StudyRow.HEADER.indexOf("graph_nodes")]);
            assertTrue(msPerToken > 0 && nodes > 0, line);
            // Two rounds per point, their median (the mean of two) in ms_per_token.
            assertEquals("2", f[StudyRow.HEADER.indexOf("rounds")], line);
            String[] rounds = f[StudyRow.HEADER.indexOf("round_ms_per_token")].split(";");
            assertEquals(2, rounds.length, line);
            assertEquals((Double.parseDouble(rounds[0]) + Double.parseDouble(rounds[1])) / 2, msPerToken, 1e-5 * msPerToken, line);
        }
        // A fully unrolled graph has more nodes than the scan at the same length.
        assertTrue(nodesOf(csv, "train,full,0,4") > nodesOf(csv, "train,scan,1,4"));
        for (String png : List.of("forward-compile-time.png", "forward-time-per-token.png", "forward-memory.png", "train-compile-time.png")) {
            BufferedImage img = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(img, png);
            assertEquals(800, img.getWidth());
        }
        String summary = Files.readString(dir.resolve("summary.md"));
        assertTrue(summary.startsWith("# Scan vs unroll: GRU H4 B2"), summary);
        assertTrue(summary.contains("## forward") && summary.contains("## train"), summary);
        assertTrue(summary.contains("`--mode auto` was within"), summary);
        assertTrue(summary.contains("Checkpointing the backward scan"), summary);
    }

    private static long nodesOf(List<String> csv, String key) {
        String line = csv.stream().filter(l -> l.contains("," + key + ",")).findFirst().orElseThrow(() -> new AssertionError(key));
        return Long.parseLong(line.split(",")[StudyRow.HEADER.indexOf("graph_nodes")]);
    }

    @Test
    void badSweepsAreRefusedInOneLine() {
        for (String[] args : List.of(new String[] {"--unroll-factors", "0"}, new String[] {"--lengths", "0,4"},
                new String[] {"--checkpoint", "2"}, new String[] {"--cell", "transformer"}, new String[] {"--checkpoint", "x", "--grad"})) {
            String[] full = new String[args.length + 5];
            full[0] = "bench";
            full[1] = "scan-vs-unroll";
            System.arraycopy(args, 0, full, 2, args.length);
            full[args.length + 2] = "--torch";
            full[args.length + 3] = "off";
            full[args.length + 4] = "--out=" + tmp.resolve("x");
            Result r = spool(full);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertFalse(r.err().strip().contains("\n"), r.err());
        }
    }

    @Test
    void checkpointIntervalsAreNumbersSqrtOrT() {
        assertEquals(4, ScanVsUnrollCommand.checkpointEvery("sqrt", 16));
        assertEquals(8, ScanVsUnrollCommand.checkpointEvery("sqrt", 64));
        assertEquals(5, ScanVsUnrollCommand.checkpointEvery("sqrt", 30));
        assertEquals(32, ScanVsUnrollCommand.checkpointEvery("T", 32));
        assertEquals(3, ScanVsUnrollCommand.checkpointEvery("3", 32));
        assertEquals(0, ScanVsUnrollCommand.parseFactor("full"));
        assertEquals(4, ScanVsUnrollCommand.parseFactor("4"));
    }
}
