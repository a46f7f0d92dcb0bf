package dev.spool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest {
    @TempDir
    Path tmp;

    private String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void showsTheGraphAfterEachPassAndThePushedOutProjection() throws Exception {
        Path dot = tmp.resolve("g.dot");
        String[] r = run("inspect", "--cell", "gru", "--dot", dot.toString());
        assertEquals("0", r[0], r[2]);
        String out = r[1];
        for (String pass : new String[] {"verify", "simplify", "pushout", "fusion"}) {
            assertTrue(out.contains("== after " + pass + ":"), out);
        }
        String afterPushOut = out.substring(out.lastIndexOf("== after pushout"));
        assertTrue(afterPushOut.contains("matmul[transB] %0, %1 : F32(T, B, 12)"), "the input projection runs over all steps:\n" + afterPushOut);
        String dotText = Files.readString(dot);
        assertTrue(dotText.startsWith("digraph spool {") && dotText.contains("subgraph \"cluster_"), dotText);
    }

    @Test
    void gradShowsTheBackwardScanAndPassesCanBeTurnedOff() {
        String[] r = run("inspect", "--cell", "lstm", "--grad", "--no-pass", "pushout");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("2 scans"), r[1]);
        assertTrue(r[1].contains("passes: [verify, simplify, sink, simplify, simplify, fusion]"), r[1]);
        String[] bad = run("inspect", "--no-pass", "fuse");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("unknown pass 'fuse'; passes are [fusion, memplan, pushout, simplify, sink, verify]"), bad[2]);
    }
}
