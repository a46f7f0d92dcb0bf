package dev.spool.program.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
/**
 * A logical buffer of a lowered {@link Program}: {@code elements} values of one dtype. The memory
 * planner maps buffers to offsets in one arena, sharing memory between buffers whose lifetimes do
 * not overlap. A buffer with a {@code constant} is filled once, when the program is prepared; a
 * {@code feed} buffer receives a graph input at the start of each run.
 */
public record Buffer(int id, DType dtype, int elements, String name, Tensor constant, boolean feed) {

    public long bytes() {
        return (long) elements * dtype.byteSize();
    }

    @Override
    public String toString() {
        return "b" + id + " " + dtype + "[" + elements + "] " + name + (constant != null ? " (constant)" : "") + (feed ? " (input)" : "");
    }
}
