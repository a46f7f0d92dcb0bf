package dev.spool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        for (String pass : new String[] {"verify", "simplify", "pushout", "sink", "fusion"}) {
            assertTrue(out.contains("== after " + pass + ":"), out);
        }
        String afterPushOut = out.substring(out.indexOf("== after pushout"), out.indexOf("== after sink"));
        assertTrue(afterPushOut.contains("matmul[transB] %0, %1 : F32(T, B, 12)"), "the input projection runs over all steps:\n" + afterPushOut);
        String dotText = Files.readString(dot);
        assertTrue(dotText.startsWith("digraph spool {") && dotText.contains("subgraph \"cluster_"), dotText);
    }

    @Test
    void gradShowsTheBackwardScanAndPassesCanBeTurnedOff() {
        String[] r = run("inspect", "--cell", "lstm", "--grad", "--no-pushout");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("2 scans"), r[1]);
        assertTrue(r[1].contains("passes: [verify, simplify, merge-matmuls, sink, simplify, simplify, fusion, gemm-bias, xent-grad, linear-xent, kernel-split, inplace-carries,"
                + " carry-stack, memplan]"), r[1]);
        // Both stages, pass by pass: the graph stage, then the program for B=2, T=3 after lowering and each Program pass.
        String out = r[1];
        int stage2 = out.indexOf("-- program stage for B=2, T=3");
        assertTrue(out.indexOf("-- graph stage") < stage2 && out.indexOf("== after fusion") < stage2, out);
        int at = stage2;
        for (String pass : new String[] {"lowering", "gemm-bias", "xent-grad", "linear-xent", "kernel-split", "inplace-carries", "carry-stack", "memplan"}) {
            int next = out.indexOf("== program after " + pass + ":", at);
            assertTrue(next > at, "no program after " + pass + " in\n" + out);
            at = next;
        }
        assertTrue(out.substring(at).contains("(arena "), "after memplan the buffers have arena offsets");
        String[] bad = run("inspect", "--no-pass", "fuse");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("unknown pass 'fuse'; passes are [carry-stack, dce, fusion, gemm-bias, inplace-carries, kernel-split, linear-xent, memplan, merge-matmuls, pushout, simplify, sink, unroll,"
                + " verify, xent-grad]"), bad[2]);
    }

    @Test
    void showsFusionGroupsTheProgramTheMemoryPlanAndTheKernels() {
        String[] r = run("inspect", "--lm", "--cell", "lstm", "--hidden", "8", "--input", "5", "--show", "fusion,program,memory,kernels");
        assertEquals("0", r[0], r[2]);
        String out = r[1];
        assertFalse(out.contains("== after"), "passes were not asked for");
        String fusion = out.substring(out.indexOf("== fusion groups"), out.indexOf("== program"));
        assertTrue(fusion.contains("scan#") && fusion.contains("sigmoid"), "the LSTM cell is a fused group inside the scan:\n" + fusion);
        String program = out.substring(out.indexOf("== program for B=2, T=3"), out.indexOf("== memory plan"));
        assertTrue(program.contains("loop scan#") && program.contains("gemm") && program.contains("kernel"), program);
        String memory = out.substring(out.indexOf("== memory plan"), out.indexOf("generated kernels"));
        assertTrue(memory.contains("arena") && memory.contains("bytes of buffers without reuse"), memory);
        assertTrue(out.contains("class SpoolKernel implements dev.spool.runtime.internal.cpu.CpuKernel"), out);
    }

    @Test
    void unrollModeLeavesNoScan() {
        String[] r = run("inspect", "--cell", "rnn", "--mode", "unroll", "--steps", "3", "--show", "passes");
        assertEquals("0", r[0], r[2]);
        String last = r[1].substring(r[1].lastIndexOf("== after"));
        assertTrue(last.contains("0 scans"), last);
        String[] bad = run("inspect", "--show", "everything");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("--show: unknown section [everything]"), bad[2]);
    }
}
