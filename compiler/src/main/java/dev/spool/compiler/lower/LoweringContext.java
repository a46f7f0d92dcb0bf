package dev.spool.compiler.lower;

import dev.spool.graph.DType;
import dev.spool.graph.Value;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

import java.util.List;
import java.util.function.Function;

/**
 * What a {@link LoweringRule} may ask of the scope it lowers into: where a value should be written
 * (its homes, or a fresh buffer), fresh buffers, contiguous copies, the instructions emitted so far,
 * and the record of each value's view. {@link Lowering}'s scope (the top level or a scan body)
 * implements it.
 */
interface LoweringContext {
    /** Where the producer of v should write: its homes (stacked output rows, carry slots), or a fresh buffer. */
    List<View> destinations(Value v);

    /** The first destination of v. */
    default View destination(Value v) {
        return destinations(v).get(0);
    }

    /** The first destination of v, contiguous (a fresh buffer when the home is strided). */
    View contiguousDestination(Value v);

    /** Records v's view and copies it to every home it is not already in. */
    void place(Value v, View at);

    /** Records v's view only: its producer already wrote every home. */
    void record(Value v, View at);

    /** x itself when contiguous, else a contiguous copy of it. */
    View contiguous(View x, DType dtype);

    /** A 1-D contiguous view of x's elements. */
    default View flat(View x, DType dtype) {
        return contiguous(x, dtype).reshape(new int[] {x.size()});
    }

    /** A contiguous view of a fresh buffer. */
    View fresh(DType dtype, int[] shape, String name);

    /** Appends an instruction to the scope's code. */
    void emit(Instr instr);

    /** Emits the instruction {@code writing} makes of out's first destination, and places out there. */
    default void write(Value out, Function<View, Instr> writing) {
        View dst = destination(out);
        emit(writing.apply(dst));
        place(out, dst);
    }

    /** As {@link #write}, into a contiguous destination (a fresh buffer when the home is strided). */
    default void writeContiguous(Value out, Function<View, Instr> writing) {
        View dst = contiguousDestination(out);
        emit(writing.apply(dst));
        place(out, dst);
    }
}
