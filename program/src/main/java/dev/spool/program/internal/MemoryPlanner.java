package dev.spool.program.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Memory planning, the last Program pass (and the only one a loaded artifact runs, since offsets
 * depend on the sizes it is run at): liveness, in-place reuse, and arena offsets, recorded as
 * the program's {@link Program.Layout}. Without it every buffer gets its own memory.
 *
 * <p>Live ranges are {@link Liveness}'s: a buffer touched only inside a loop body lives only within
 * the step, so temporaries of a scan body share memory with each other and with everything else
 * not live at the same time.
 *
 * <p>In place: an elementwise kernel writing a whole buffer that the same kernel reads, only ever with
 * the same geometry, as that buffer's last use writes into the input's memory instead (the kernels load
 * every operand of an element before storing it).
 *
 * <p>Offsets are assigned greedily, largest buffers first, at the lowest 64-byte-aligned offset that
 * overlaps no buffer live at the same time; the arena size is the peak memory of a run.
 */
public final class MemoryPlanner {
    static final int ALIGN = Program.Layout.ALIGN;

    private MemoryPlanner() {
    }

    /**
     * The program with in-place merges applied and its buffers placed in one arena (the compiler's
     * {@code memplan} pass, and what a loaded artifact does for each new binding of its dims).
     *
     * <pre>{@code Program placed = MemoryPlanner.place(program);   // placed.layout() != null}</pre>
     */
    public static Program place(Program p) {
        Plan plan = plan(p, true);
        return plan.program().withLayout(new Program.Layout(plan.offsets(), plan.arenaBytes()));
    }

    /**
     * The plan of a program as it is laid out (its planned layout, or every buffer its own memory):
     * for {@code spool inspect --show memory}.
     */
    public static Plan describe(Program p) {
        Liveness live = Liveness.of(p);
        Program.Layout layout = p.arena();
        long total = 0;
        for (Buffer b : p.buffers()) {
            if (live.used(b.id())) {
                total += align(b.bytes());
            }
        }
        return new Plan(p, layout.offsets(), live.first(), live.last(), layout.bytes(), total);
    }

    /** The program with in-place merges applied, each buffer's arena offset, and the totals. */
    public record Plan(Program program, long[] offsets, int[] first, int[] last, long arenaBytes, long bufferBytes) {

        /** A table of buffers: offset, bytes, live range, name. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("arena %,d bytes (%,d bytes of buffers without reuse)%n", arenaBytes, bufferBytes));
            Integer[] order = new Integer[offsets.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingLong(i -> offsets[i]));
            for (int i : order) {
                Buffer b = program.buffer(i);
                if (first[i] > last[i]) {
                    continue; // merged into another buffer or never used
                }
                sb.append(String.format("  b%-4d @%,12d  %,12d B  live %5s..%-5s  %s%n", i, offsets[i], b.bytes(),
                        first[i] < 0 ? "start" : Integer.toString(first[i]), last[i] == Integer.MAX_VALUE ? "end" : Integer.toString(last[i]),
                        b.name()));
            }
            return sb.toString();
        }
    }

    public static Plan plan(Program p) {
        return plan(p, true);
    }

    /** With {@code reuse} false every buffer gets its own memory (the reference layout for differential tests). */
    public static Plan plan(Program p, boolean reuse) {
        Program prog = reuse ? inPlace(p) : p;
        int n = prog.buffers().size();
        Liveness live = Liveness.of(prog);
        int[] first = live.first();
        int[] last = live.last();
        long[] offsets = new long[n];
        long total = 0;
        for (Buffer b : prog.buffers()) {
            if (first[b.id()] <= last[b.id()]) {
                total += align(b.bytes());
            }
        }
        long arena;
        if (reuse) {
            arena = assign(prog, first, last, offsets);
        } else {
            Program.Layout separate = Program.Layout.separate(prog.buffers());
            offsets = separate.offsets();
            arena = separate.bytes();
        }
        return new Plan(prog, offsets, first, last, arena, total);
    }

    private static long align(long bytes) {
        return Program.Layout.align(bytes);
    }

    /** Merges a kernel's freshly written output buffer into an input buffer that dies at that kernel. */
    static Program inPlace(Program p) {
        int n = p.buffers().size();
        Liveness live = Liveness.of(p);
        int[] first = live.first();
        int[] last = live.last();
        int[] writers = new int[n];
        countWriters(p.code(), writers);
        int[] rename = new int[n];
        for (int i = 0; i < n; i++) {
            rename[i] = i;
        }
        boolean[] used = new boolean[n];
        int[] pos = {0};
        mergeKernels(p, p.code(), pos, first, last, writers, rename, used);
        boolean any = false;
        for (int i = 0; i < n; i++) {
            any |= rename[i] != i;
        }
        return any ? ProgramRewrite.renameBuffers(p, rename) : p;
    }

    private static void countWriters(List<Instr> code, int[] writers) {
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop loop) {
                countWriters(loop.body(), writers);
            }
            for (View v : ins.writes()) {
                writers[v.buffer()]++;
            }
        }
    }

    private static void mergeKernels(Program p, List<Instr> code, int[] pos, int[] first, int[] last, int[] writers, int[] rename, boolean[] used) {
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop loop) {
                mergeKernels(p, loop.body(), pos, first, last, writers, rename, used);
                continue;
            }
            if (ins instanceof Instr.Kernel k) {
                for (View out : k.outputs()) {
                    int ob = out.buffer();
                    if (!wholeBuffer(p, out) || writers[ob] != 1 || first[ob] != pos[0] || last[ob] == Integer.MAX_VALUE
                            || p.buffer(ob).constant() != null || p.buffer(ob).feed() || rename[ob] != ob) {
                        continue;
                    }
                    for (View in : k.inputs()) {
                        int ib = in.buffer();
                        Buffer src = p.buffer(ib);
                        // Every read of the input buffer by this kernel must be at the output's geometry (not transposed, broadcast or shifted).
                        boolean sameGeometry = k.inputs().stream().filter(v -> v.buffer() == ib).allMatch(v -> v.equals(out.withBuffer(ib)));
                        if (used[ib] || ib == ob || !sameGeometry || last[ib] != pos[0] || src.feed() || src.constant() != null
                                || src.dtype().byteSize() != p.buffer(ob).dtype().byteSize() || src.elements() != p.buffer(ob).elements()) {
                            continue;
                        }
                        rename[ob] = rename[ib];
                        used[ib] = true;
                        break;
                    }
                }
            }
            pos[0]++;
        }
    }

    private static boolean wholeBuffer(Program p, View v) {
        return v.offset() == 0 && v.isContiguous() && !v.isLoopVariant() && v.size() == p.buffer(v.buffer()).elements();
    }

    /** Greedy placement, largest first; returns the arena size. */
    private static long assign(Program p, int[] first, int[] last, long[] offsets) {
        List<Buffer> order = new ArrayList<>();
        for (Buffer b : p.buffers()) {
            if (first[b.id()] <= last[b.id()] && b.bytes() > 0) {
                order.add(b);
            }
        }
        order.sort(Comparator.comparingLong(Buffer::bytes).reversed().thenComparingInt(b -> first[b.id()]));
        List<Buffer> placed = new ArrayList<>();
        long arena = 0;
        for (Buffer b : order) {
            List<long[]> taken = new ArrayList<>();
            for (Buffer o : placed) {
                if (first[o.id()] <= last[b.id()] && first[b.id()] <= last[o.id()]) {
                    taken.add(new long[] {offsets[o.id()], offsets[o.id()] + align(o.bytes())});
                }
            }
            taken.sort(Comparator.comparingLong(r -> r[0]));
            long at = 0;
            for (long[] r : taken) {
                if (at + align(b.bytes()) <= r[0]) {
                    break;
                }
                at = Math.max(at, r[1]);
            }
            offsets[b.id()] = at;
            arena = Math.max(arena, at + align(b.bytes()));
            placed.add(b);
        }
        return arena;
    }
}
