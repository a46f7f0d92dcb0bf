package dev.spool.program.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Live ranges of a {@link Program}'s buffers. Instructions are numbered in execution order with
 * loop bodies inline. A buffer's live range runs from its first to its last access; one touched
 * both inside a loop and outside it is live for the whole loop (a carry slot, a sequence, a stacked
 * output: each step needs it), while a buffer touched only inside a loop body lives only within
 * the step. Feeds are live from the start, constants and results for the whole program. A buffer
 * never accessed has {@code first > last}.
 *
 * <pre>{@code Liveness live = Liveness.of(program); boolean overlap = live.overlap(3, 7);}</pre>
 */
public record Liveness(int[] first, int[] last) {

    /** The live range's end for buffers live until the end of the program. */
    public static final int END = Integer.MAX_VALUE;

    public static Liveness of(Program p) {
        int n = p.buffers().size();
        int[] first = new int[n];
        int[] last = new int[n];
        Arrays.fill(first, Integer.MAX_VALUE);
        Arrays.fill(last, Integer.MIN_VALUE);
        List<int[]> loops = new ArrayList<>();
        int end = number(p.code(), 0, first, last, loops);
        for (Program.Feed f : p.feeds()) {
            first[f.buffer()] = -1;
            last[f.buffer()] = Math.max(last[f.buffer()], -1);
        }
        for (Buffer b : p.buffers()) {
            if (b.constant() != null) {
                first[b.id()] = -1;
                last[b.id()] = END;
            }
        }
        for (Program.Result r : p.results()) {
            first[r.view().buffer()] = Math.min(first[r.view().buffer()], end);
            last[r.view().buffer()] = END;
        }
        // Innermost loops were recorded first; extending to a loop stays inside any enclosing loop.
        for (int[] loop : loops) {
            for (int b = 0; b < n; b++) {
                if (first[b] > last[b]) {
                    continue;
                }
                boolean overlaps = first[b] <= loop[1] && last[b] >= loop[0];
                boolean outside = first[b] < loop[0] || last[b] > loop[1];
                if (overlaps && outside) {
                    first[b] = Math.min(first[b], loop[0]);
                    last[b] = Math.max(last[b], loop[1]);
                }
            }
        }
        return new Liveness(first, last);
    }

    private static int number(List<Instr> code, int pos, int[] first, int[] last, List<int[]> loops) {
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop loop) {
                int start = pos;
                pos = number(loop.body(), pos, first, last, loops);
                loops.add(new int[] {start, Math.max(start, pos - 1)});
                continue;
            }
            for (View v : ins.reads()) {
                touch(v.buffer(), pos, first, last);
            }
            for (View v : ins.writes()) {
                touch(v.buffer(), pos, first, last);
            }
            pos++;
        }
        return pos;
    }

    private static void touch(int b, int pos, int[] first, int[] last) {
        first[b] = Math.min(first[b], pos);
        last[b] = Math.max(last[b], pos);
    }

    public boolean used(int buffer) {
        return first[buffer] <= last[buffer];
    }

    /** Whether two used buffers are live at some common instruction. */
    public boolean overlap(int a, int b) {
        return used(a) && used(b) && first[a] <= last[b] && first[b] <= last[a];
    }
}
