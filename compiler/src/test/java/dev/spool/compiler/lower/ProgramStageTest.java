package dev.spool.compiler.lower;

import dev.spool.compiler.Pipeline;
import dev.spool.compiler.TestPrograms.Cell;
import dev.spool.compiler.TestPrograms;
import dev.spool.compiler.VerifyPass;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.ops.Builder;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.InvalidProgramException;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The program stage: dims bound in one place, every Program pass verified and named when it breaks a rule. */
class ProgramStageTest {

    @Test
    void compileBindsEverySymbolicDimAndRefusesAMissingOne() {
        Builder b = new Builder();
        Graph g = b.build("y", b.tanh(b.input("x", DType.F32, "T", "B", 3)));
        Program p = Pipeline.standard().compile(g, Map.of("T", 4, "B", 2));
        assertEquals(24, p.buffer(p.feeds().get(0).buffer()).elements());
        InputException e = assertThrows(InputException.class, () -> Pipeline.standard().compile(g, Map.of("T", 4)));
        assertTrue(e.getMessage().contains("symbolic dimension B is not bound"), e.getMessage());
    }

    @Test
    void unrollingRunsInTheProgramStageOnTheBoundGraph() {
        Graph g = TestPrograms.cellScan(Cell.RNN);
        Pipeline unrolling = Pipeline.unrolling(0);
        Graph stage1 = unrolling.run(g);
        assertTrue(stage1.nodes().stream().anyMatch(n -> n.op() instanceof dev.spool.graph.internal.ScanOp), "the graph stage keeps the scan");
        Program p = unrolling.compile(stage1, Map.of());
        assertTrue(p.code().stream().noneMatch(i -> i instanceof Instr.Loop), "unrolled: no loop left\n" + p);
    }

    @Test
    void aProgramPassThatBreaksTheProgramIsNamedWithTheInstruction() {
        ProgramPass breaking = new ProgramPass() {
            public String name() {
                return "breaking";
            }

            public Program run(Program p, Target target) {
                // Reads a fresh, never written buffer first thing.
                List<dev.spool.program.internal.Buffer> buffers = new ArrayList<>(p.buffers());
                buffers.add(new dev.spool.program.internal.Buffer(buffers.size(), DType.F32, 6, "garbage", null, false));
                List<Instr> code = new ArrayList<>(p.code());
                View out = p.results().get(0).view();
                code.add(0, new Instr.Copy(View.contiguous(buffers.size() - 1, out.shape()), out));
                return p.withCode(buffers, code);
            }
        };
        Builder b = new Builder();
        Graph g = b.build("y", b.tanh(b.input("x", DType.F32, 2, 3)));
        Pipeline pipeline = new Pipeline(List.of(new VerifyPass()), List.of(new GemmBiasEpilogue(), breaking));
        InvalidProgramException e = assertThrows(InvalidProgramException.class, () -> pipeline.compile(g, Map.of()));
        assertTrue(e.getMessage().startsWith("invalid program after breaking: instruction 0 (copy b2[2, 3] -> b1[2, 3]) reads b2 (garbage)"), e.getMessage());
    }

    @Test
    void withEveryOptimisingPassOffTheResultIsTheReferenceProgram() {
        Graph g = Pipeline.standard().run(TestPrograms.cellScan(Cell.LSTM));
        Program reference = Lowering.lower(Lowering.bind(g, Map.of()));
        Program none = Pipeline.named(List.of("verify"), 0).compile(g, Map.of());
        assertEquals(reference.toString(), none.toString());
    }
}
