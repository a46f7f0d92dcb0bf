package dev.spool.program.internal;

import dev.spool.graph.DType;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken programs, each breaking one rule, are refused with the pass, the instruction and the rule named. */
class ProgramVerifierTest {
    private static final int[] SQ = {2, 2};

    private static Buffer buffer(int id, int elements, boolean feed) {
        return new Buffer(id, DType.F32, elements, "t" + id, null, feed);
    }

    /** b0 is a (2, 2) input; b1, b2 temporaries of 4; the result is read from b2. */
    private static Program program(List<Instr> code) {
        return program(code, null);
    }

    private static Program program(List<Instr> code, Program.Layout layout) {
        return new Program(List.of(buffer(0, 4, true), buffer(1, 4, false), buffer(2, 4, false)), code,
                List.of(new Program.Feed("x", 0, DType.F32, SQ)), List.of(new Program.Result("y", View.contiguous(2, SQ), DType.F32)), layout);
    }

    private static String refused(Program p) {
        return assertThrows(InvalidProgramException.class, () -> ProgramVerifier.verify(p, "some-pass")).getMessage();
    }

    private static Instr copy(int from, int to) {
        return new Instr.Copy(View.contiguous(from, SQ), View.contiguous(to, SQ));
    }

    @Test
    void aWellFormedProgramPasses() {
        assertDoesNotThrow(() -> ProgramVerifier.verify(program(List.of(copy(0, 1), copy(1, 2))), "lowering"));
    }

    @Test
    void aViewReachingPastItsBufferIsRefusedNamingThePassAndTheInstruction() {
        Instr over = new Instr.Copy(new View(0, 1, SQ, View.rowMajor(SQ), new int[0]), View.contiguous(2, SQ));
        String m = refused(program(List.of(copy(0, 1), over)));
        assertTrue(m.startsWith("invalid program after some-pass: instruction 1 (copy "), m);
        assertTrue(m.contains("reaches elements 1..4 of b0, which holds 4"), m);
    }

    @Test
    void aViewMovingPastItsBufferInALoopIsRefused() {
        // Row t of a (2, 2) buffer over 3 steps reaches row 2.
        View row = View.contiguous(0, SQ).index(0, 0).atLoop(0, 2);
        Instr loop = new Instr.Loop(0, 3, false, List.of(new Instr.Copy(row, View.contiguous(1, new int[] {2}))), "scan#1");
        String m = refused(program(List.of(loop, copy(1, 2))));
        assertTrue(m.contains("instruction 0/0 (copy"), m);
        assertTrue(m.contains("reaches elements 0..5 of b0"), m);
    }

    @Test
    void aReadBeforeAnyWriteIsRefused() {
        String m = refused(program(List.of(copy(1, 2))));
        assertTrue(m.contains("instruction 0 (copy b1[2, 2] -> b2[2, 2]) reads b1 (t1) before anything writes it"), m);
    }

    @Test
    void aLoopWhoseLevelIsNotItsDepthIsRefused() {
        Instr inner = new Instr.Loop(0, 2, false, List.of(copy(0, 1)), "inner");
        Instr outer = new Instr.Loop(0, 2, false, List.of(inner), "outer");
        String m = refused(program(List.of(outer, copy(1, 2))));
        assertTrue(m.contains("instruction 0/0 a loop at depth 1 has level 0"), m);
    }

    @Test
    void aViewMovingWithALoopThatDoesNotEncloseItIsRefused() {
        Instr moving = new Instr.Copy(View.contiguous(0, new int[] {2}).atLoop(0, 2), View.contiguous(1, new int[] {2}));
        String m = refused(program(List.of(moving, copy(1, 2))));
        assertTrue(m.contains("moves with loop level 0, which does not enclose it"), m);
    }

    @Test
    void aCopyOntoItsOwnSourceIsNotAnAllowedInPlaceUpdate() {
        Instr shifted = new Instr.Copy(new View(1, 0, new int[] {3}, new int[] {1}, new int[0]), new View(1, 1, new int[] {3}, new int[] {1}, new int[0]));
        String m = refused(program(List.of(copy(0, 1), shifted, copy(1, 2))));
        assertTrue(m.contains("instruction 1 (copy") && m.contains("the same memory, which this instruction may not update in place"), m);
    }

    @Test
    void aGemmWritingOverItsOperandIsRefused() {
        View a = View.contiguous(1, SQ);
        Instr gemm = new Instr.Gemm(DType.F32, a, View.contiguous(0, SQ), a, false, false, 2, 2, 2, 0, 1, 0, 0, 0);
        String m = refused(program(List.of(copy(0, 1), gemm, copy(1, 2))));
        assertTrue(m.contains("instruction 1 (gemm") && m.contains("may not update in place"), m);
    }

    @Test
    void twoLiveBuffersSharingArenaBytesAreRefused() {
        // b1 is still read when b2 is written, but the layout puts both at byte 64.
        Instr add = new Instr.Copy(View.contiguous(1, SQ), View.contiguous(2, SQ));
        Program.Layout shared = new Program.Layout(new long[] {0, 64, 64}, 128);
        String m = refused(program(List.of(copy(0, 1), add), shared));
        assertTrue(m.contains("layout b1 (t1) and b2 (t2) share arena bytes while both are live"), m);
        Program.Layout apart = new Program.Layout(new long[] {0, 64, 128}, 192);
        assertDoesNotThrow(() -> ProgramVerifier.verify(program(List.of(copy(0, 1), add), apart), "memplan"));
    }

    @Test
    void writingAFeedIsRefused() {
        String m = refused(program(List.of(copy(0, 1), copy(1, 0), copy(1, 2))));
        assertTrue(m.contains("instruction 1 (copy b1[2, 2] -> b0[2, 2]) writes b0, a feed"), m);
    }
}
