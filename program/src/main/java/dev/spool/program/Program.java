package dev.spool.program;

import dev.spool.graph.DType;

import java.util.List;

/**
 * A graph lowered for concrete dims: buffers and a list of instructions over views of them. Graph
 * inputs are copied into their feed buffers at the start of a run, and each result is read from
 * its view at the end. The compiler's memory planner assigns the buffers to arena offsets.
 */
public record Program(List<Buffer> buffers, List<Instr> code, List<Feed> feeds, List<Result> results) {

    public Program {
        buffers = List.copyOf(buffers);
        code = List.copyOf(code);
        feeds = List.copyOf(feeds);
        results = List.copyOf(results);
    }

    /** A graph input or parameter and the buffer it is copied into. */
    public record Feed(String name, int buffer, DType dtype, int[] shape) {
    }

    /** A named result and where it is read from. */
    public record Result(String name, View view, DType dtype) {
    }

    public Buffer buffer(int id) {
        return buffers.get(id);
    }

    @Override
    public String toString() {
        return ProgramPrinter.print(this);
    }
}
