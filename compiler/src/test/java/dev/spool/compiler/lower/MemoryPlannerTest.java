package dev.spool.compiler.lower;

import dev.spool.compiler.Pipeline;
import dev.spool.compiler.TestPrograms.Cell;
import dev.spool.compiler.TestPrograms;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.program.internal.Buffer;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;

import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Memory planning on hand-built programs and on the lowered cells: liveness, reuse, in place, peak bytes. */
class MemoryPlannerTest {
    private static final int[] SQ = {2, 2};

    private static Buffer buffer(int id, int elements, String name, boolean feed) {
        return new Buffer(id, F64, elements, name, null, feed);
    }

    /** A kernel computing f(in0, in1) over (2, 2). */
    private static Instr.Kernel kernel(BinaryOperator<Value> f, Builder b, View in0, View in1, View out) {
        Value a = b.input("in0", F64, 2, 2);
        Value c = b.input("in1", F64, 2, 2);
        return new Instr.Kernel(b.build("out0", f.apply(a, c)), List.of(in0, in1), List.of(out), SQ);
    }

    private static Instr.Kernel tanh(View in, View out) {
        Builder b = new Builder();
        return new Instr.Kernel(b.build("out0", b.tanh(b.input("in0", F64, 2, 2))), List.of(in), List.of(out), SQ);
    }

    /** x (feed) -> t = tanh x -> y = t + second(t) -> r = tanh y, or r = t * y when tReadLater; result r. */
    private static Program twoKernels(View second, boolean tReadLater) {
        List<Buffer> buffers = List.of(buffer(0, 4, "x", true), buffer(1, 4, "t", false), buffer(2, 4, "y", false), buffer(3, 4, "r", false));
        View x = View.contiguous(0, SQ);
        View t = View.contiguous(1, SQ);
        View y = View.contiguous(2, SQ);
        View r = View.contiguous(3, SQ);
        Builder b = new Builder();
        Builder b2 = new Builder();
        List<Instr> code = List.of(tanh(x, t), kernel(b::add, b, t, second, y), tReadLater ? kernel(b2::mul, b2, t, y, r) : tanh(y, r));
        return new Program(buffers, code, List.of(new Program.Feed("x", 0, F64, SQ)), List.of(new Program.Result("r", r, F64)));
    }

    private static int outputBuffer(Program p, int instr) {
        return ((Instr.Kernel) p.code().get(instr)).outputs().get(0).buffer();
    }

    @Test
    void aKernelWritesInPlaceOverAnInputThatDiesThere() {
        MemoryPlanner.Plan plan = MemoryPlanner.plan(twoKernels(View.contiguous(1, SQ), false));
        assertEquals(1, outputBuffer(plan.program(), 1), "y = t + t should reuse t's buffer");
        assertNoLiveOverlap(plan);
    }

    @Test
    void noInPlaceOverATransposedReadOfTheSameBuffer() {
        // y = t + tᵀ: writing y[0][1] into t would change t[0][1] before it is read as tᵀ[1][0].
        MemoryPlanner.Plan plan = MemoryPlanner.plan(twoKernels(View.contiguous(1, SQ).transpose(new int[] {1, 0}), false));
        assertEquals(2, outputBuffer(plan.program(), 1));
        assertNoLiveOverlap(plan);
    }

    @Test
    void noInPlaceOverABroadcastReadOfTheSameBuffer() {
        View row = View.contiguous(1, SQ).slice(0, 0, 1).broadcastTo(SQ);
        MemoryPlanner.Plan plan = MemoryPlanner.plan(twoKernels(row, false));
        assertEquals(2, outputBuffer(plan.program(), 1));
    }

    @Test
    void noInPlaceWhenTheInputIsReadLater() {
        MemoryPlanner.Plan plan = MemoryPlanner.plan(twoKernels(View.contiguous(1, SQ), true));
        assertEquals(2, outputBuffer(plan.program(), 1), "t is read again by z = t * y");
        assertNoLiveOverlap(plan);
    }

    @Test
    void noInPlaceOverAFeed() {
        Builder b = new Builder();
        View x = View.contiguous(0, SQ);
        Program p = new Program(List.of(buffer(0, 4, "x", true), buffer(1, 4, "y", false)), List.of(kernel(b::add, b, x, x, View.contiguous(1, SQ))),
                List.of(new Program.Feed("x", 0, F64, SQ)), List.of(new Program.Result("y", View.contiguous(1, SQ), F64)));
        assertEquals(1, outputBuffer(MemoryPlanner.plan(p).program(), 0));
    }

    /**
     * b0 feed (8 f64, 64 B), b1 (16 f64, 128 B), b2 (8 f64), b3 result (8 f64):
     * 0: b0 -> b1[0:8]; 1: b1[0:8] -> b2; 2: b2 -> b3. Live: b0 [start, 0], b1 [0, 1], b2 [1, 2],
     * b3 [2, end]. Peak at instructions 0 and 1: 64 + 128 = 192 bytes; without reuse 320.
     */
    @Test
    void peakBytesOfASmallProgramByHand() {
        int[] eight = {8};
        View head = View.contiguous(1, new int[] {16}).slice(0, 0, 8);
        Program p = new Program(List.of(buffer(0, 8, "x", true), buffer(1, 16, "wide", false), buffer(2, 8, "mid", false), buffer(3, 8, "out", false)),
                List.of(new Instr.Copy(View.contiguous(0, eight), head), new Instr.Copy(head, View.contiguous(2, eight)),
                        new Instr.Copy(View.contiguous(2, eight), View.contiguous(3, eight))),
                List.of(new Program.Feed("x", 0, F64, eight)), List.of(new Program.Result("y", View.contiguous(3, eight), F64)));
        MemoryPlanner.Plan plan = MemoryPlanner.plan(p);
        assertEquals(192, plan.arenaBytes());
        assertEquals(320, plan.bufferBytes());
        assertEquals(List.of(-1, 0, 1, 2), List.of(plan.first()[0], plan.first()[1], plan.first()[2], plan.first()[3]));
        assertEquals(List.of(0, 1, 2, Integer.MAX_VALUE), List.of(plan.last()[0], plan.last()[1], plan.last()[2], plan.last()[3]));
        assertNoLiveOverlap(plan);
        assertEquals(320, MemoryPlanner.plan(p, false).arenaBytes());
    }

    @Test
    void aBufferTouchedInsideAndOutsideALoopLivesForTheWholeLoop() {
        int[] four = {4};
        View acc = View.contiguous(1, four);
        View tmp = View.contiguous(2, four);
        List<Instr> body = List.of(new Instr.Copy(acc, tmp), new Instr.Copy(tmp, acc));
        Program p = new Program(List.of(buffer(0, 4, "x", true), buffer(1, 4, "acc", false), buffer(2, 4, "tmp", false)),
                List.of(new Instr.Copy(View.contiguous(0, four), acc), new Instr.Loop(0, 3, false, body, "loop")),
                List.of(new Program.Feed("x", 0, F64, four)), List.of(new Program.Result("acc", acc, F64)));
        MemoryPlanner.Plan plan = MemoryPlanner.plan(p);
        // Numbering: 0 copy in, 1..2 loop body. tmp lives within a step only.
        assertEquals(1, plan.first()[2]);
        assertEquals(2, plan.last()[2]);
        assertEquals(0, plan.first()[1]);
        assertNoLiveOverlap(plan);
    }

    @Test
    void loweredCellsNeverShareMemoryBetweenLiveBuffers() {
        for (Cell cell : Cell.values()) {
            Graph fwd = TestPrograms.cellScan(cell, true);
            for (Graph g : List.of(fwd, Grad.of(fwd, "loss", List.of("w_ih", "w_hh", "b_ih", "b_hh", "x")))) {
                Program p = Pipeline.standard().without(java.util.Set.of(Pipeline.MEMORY_PLANNING)).compile(Pipeline.standard().run(g), Map.of(), new Target(36));
                MemoryPlanner.Plan plan = MemoryPlanner.plan(p);
                assertNoLiveOverlap(plan);
                assertTrue(plan.arenaBytes() <= plan.bufferBytes());
            }
        }
    }

    /** No two buffers live at the same time share a byte of the arena. */
    private static void assertNoLiveOverlap(MemoryPlanner.Plan plan) {
        Program p = plan.program();
        for (Buffer a : p.buffers()) {
            for (Buffer b : p.buffers()) {
                int i = a.id();
                int j = b.id();
                if (i >= j || plan.first()[i] > plan.last()[i] || plan.first()[j] > plan.last()[j] || a.bytes() == 0 || b.bytes() == 0) {
                    continue;
                }
                boolean live = plan.first()[i] <= plan.last()[j] && plan.first()[j] <= plan.last()[i];
                boolean overlap = plan.offsets()[i] < plan.offsets()[j] + b.bytes() && plan.offsets()[j] < plan.offsets()[i] + a.bytes();
                assertFalse(live && overlap, "buffers " + a + " and " + b + " are live together and overlap in memory");
            }
        }
    }
}
