package dev.spool.program.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The text form of a hand-built program: exact text, round trip, refusals naming the line. */
class ProgramTextTest {

    /** y = tanh(x) * 0.5 over a (2, 3) input, then summed over rows inside a loop of 2 steps. */
    private static Program program() {
        Builder b = new Builder();
        Value in0 = b.input("in0", DType.F32, 2, 3);
        Graph expr = b.build("out0", b.mul(b.tanh(in0), b.scalar(0.5, DType.F32)));
        int[] sq = {2, 3};
        List<Buffer> buffers = List.of(new Buffer(0, DType.F32, 6, "x \"in\"", null, true), new Buffer(1, DType.F32, 6, "%3", null, false),
                new Buffer(2, DType.F32, 3, "sum", Tensor.ofFloats(new int[] {3}, 0.1f, -2.5f, 1e-7f), false));
        Instr kernel = new Instr.Kernel(expr, List.of(View.contiguous(0, sq)), List.of(View.contiguous(1, sq)), sq);
        Instr row = new Instr.Copy(View.contiguous(1, sq).index(0, 0).atLoop(0, 3), View.contiguous(0, new int[] {3}).withBuffer(1));
        return new Program(buffers, List.of(kernel, new Instr.Loop(0, 2, true, List.of(row), "scan#4")),
                List.of(new Program.Feed("x", 0, DType.F32, sq)), List.of(new Program.Result("y", View.contiguous(1, sq), DType.F32)),
                new Program.Layout(new long[] {0, 64, 128}, 192));
    }

    @Test
    void writesEveryFieldAndReadsItBack() {
        String text = ProgramText.write(program());
        assertTrue(text.startsWith("spool-program 1\nbuffer 0 F32 6 feed \"x \\\"in\\\"\"\n"), text);
        assertTrue(text.contains("buffer 2 F32 3 \"sum\" constant [3] [0.1,-2.5,1.0E-7]\n"), text);
        assertTrue(text.contains("layout 192 [0,64,128]\n"), text);
        assertTrue(text.contains("kernel [2,3] in 1 b0+0[2,3]s[3,1]t[] out 1 b1+0[2,3]s[3,1]t[] expr in0:F32[2,3] |"), text);
        assertTrue(text.contains("loop 0 2 true \"scan#4\"\n  copy b1+0[3]s[1]t[3] b1+0[3]s[1]t[]\nend\n"), text);
        Program back = ProgramText.read(text);
        assertEquals(text, ProgramText.write(back));
        assertEquals("x \"in\"", back.buffer(0).name());
        assertEquals(1e-7f, (float) back.buffer(2).constant().getDouble(2));
    }

    @Test
    void anotherVersionIsRefusedNamingBoth() {
        String text = ProgramText.write(program()).replaceFirst("spool-program 1", "spool-program 2");
        String m = assertThrows(InvalidProgramException.class, () -> ProgramText.read(text)).getMessage();
        assertEquals("program text version 2 is not supported; this build reads version 1", m);
    }

    @Test
    void aDamagedLineIsRefusedNamingIt() {
        String text = ProgramText.write(program()).replace("copy b1+0[3]s[1]t[3]", "copy b1+0[3]s[1]");
        String m = assertThrows(InvalidProgramException.class, () -> ProgramText.read(text)).getMessage();
        assertTrue(m.startsWith("program text line 10: expected a view"), m);
    }
}
