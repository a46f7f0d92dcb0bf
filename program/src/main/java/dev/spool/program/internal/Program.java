package dev.spool.program.internal;

import dev.spool.graph.DType;

import java.util.Arrays;
import java.util.List;

/**
 * A graph lowered for concrete dims: buffers and a list of instructions over views of them. Graph
 * inputs are copied into their feed buffers at the start of a run, and each result is read from
 * its view at the end. Backends run it as it is: every optimisation has been applied by the
 * compiler's Program passes, the last of which (memory planning) fixes each buffer's place in one
 * arena ({@link #layout()}); a program without a layout gives every buffer its own memory
 * ({@link Layout#separate}).
 *
 * <pre>{@code
 * Program p = pipeline.compile(graph, Map.of("T", 35, "B", 32));
 * ProgramVerifier.verify(p, "lowering");
 * }</pre>
 */
public record Program(List<Buffer> buffers, List<Instr> code, List<Feed> feeds, List<Result> results, Layout layout) {

    public Program {
        buffers = List.copyOf(buffers);
        code = List.copyOf(code);
        feeds = List.copyOf(feeds);
        results = List.copyOf(results);
    }

    /** A program whose buffers are not yet placed in an arena. */
    public Program(List<Buffer> buffers, List<Instr> code, List<Feed> feeds, List<Result> results) {
        this(buffers, code, feeds, results, null);
    }

    /** A graph input or parameter and the buffer it is copied into. */
    public record Feed(String name, int buffer, DType dtype, int[] shape) {
    }

    /** A named result and where it is read from. */
    public record Result(String name, View view, DType dtype) {
    }

    /**
     * Where each buffer lives in one arena of {@code bytes} bytes: buffer i at byte
     * {@code offsets[i]}. Buffers may share bytes only when the memory planner proved that their
     * live ranges do not overlap (or that one kernel may write into the input it reads last).
     */
    public record Layout(long[] offsets, long bytes) {
        /** Buffers start at multiples of this many bytes (a cache line, and what vector loads like). */
        public static final int ALIGN = 64;

        public Layout {
            offsets = offsets.clone();
        }

        /** Every buffer its own memory, one after the other (the reference layout). */
        public static Layout separate(List<Buffer> buffers) {
            long[] offsets = new long[buffers.size()];
            long at = 0;
            for (Buffer b : buffers) {
                offsets[b.id()] = at;
                at += align(b.bytes());
            }
            return new Layout(offsets, at);
        }

        public static long align(long bytes) {
            return (bytes + ALIGN - 1) / ALIGN * ALIGN;
        }

        public long offset(int buffer) {
            return offsets[buffer];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Layout l && l.bytes == bytes && Arrays.equals(l.offsets, offsets);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(bytes) * 31 + Arrays.hashCode(offsets);
        }

        @Override
        public String toString() {
            return "Layout(" + bytes + " bytes, " + Arrays.toString(offsets) + ")";
        }
    }

    public Buffer buffer(int id) {
        return buffers.get(id);
    }

    /** The arena layout: the planned one, or every buffer its own memory when none was planned. */
    public Layout arena() {
        return layout != null ? layout : Layout.separate(buffers);
    }

    /** This program with its buffers placed by {@code layout}. */
    public Program withLayout(Layout layout) {
        return new Program(buffers, code, feeds, results, layout);
    }

    /** This program with other instructions (and buffers, which may have been added), unplaced. */
    public Program withCode(List<Buffer> buffers, List<Instr> code) {
        return new Program(buffers, code, feeds, results);
    }

    @Override
    public String toString() {
        return ProgramPrinter.print(this);
    }
}
