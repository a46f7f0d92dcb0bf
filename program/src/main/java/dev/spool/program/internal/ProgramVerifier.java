package dev.spool.program.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Checks the rules every {@link Program} keeps, whichever pass produced it; the compiler runs it
 * after lowering and after every Program pass. The rules:
 * <ul>
 *   <li>every view lies inside its buffer at every loop index it can take, and moves only with
 *       loops that enclose it;</li>
 *   <li>loops nest consistently: a loop at depth d has level d;</li>
 *   <li>no buffer is read before some instruction (or a feed or a constant) wrote it;</li>
 *   <li>with an arena layout, no two buffers live at the same time share bytes (the planner
 *       expresses a proven-safe reuse by giving both values one buffer);</li>
 *   <li>an instruction writes memory it also reads only where that is allowed: an elementwise
 *       kernel reading an operand at exactly the geometry it writes (it loads every operand of an
 *       element before storing it), a masked step zeroing the inactive rows of a step output that
 *       is also a next carry value, and a GEMM accumulating onto its own output.</li>
 * </ul>
 * An error names the pass and the instruction by its index path ({@code 4/2}: instruction 2 of the
 * body of the loop at index 4).
 *
 * <pre>{@code ProgramVerifier.verify(program, "kernel-split");}</pre>
 */
public final class ProgramVerifier {
    private final Program program;
    private final String pass;
    private final BitSet written = new BitSet();
    private final List<Integer> loopLengths = new ArrayList<>();

    private ProgramVerifier(Program program, String pass) {
        this.program = program;
        this.pass = pass;
    }

    /**
     * Verifies {@code program}, produced by the pass named {@code pass}.
     *
     * @throws InvalidProgramException naming the pass, the instruction and the broken rule
     */
    public static void verify(Program program, String pass) {
        new ProgramVerifier(program, pass).run();
    }

    private void run() {
        for (Program.Feed f : program.feeds()) {
            checkBuffer(f.buffer(), "feed " + f.name());
            written.set(f.buffer());
        }
        for (Buffer b : program.buffers()) {
            if (b.id() != program.buffers().indexOf(b)) {
                throw fail("buffer list", "buffer b" + b.id() + " is at position " + program.buffers().indexOf(b));
            }
            if (b.constant() != null) {
                written.set(b.id());
            }
        }
        code(program.code(), "");
        for (Program.Result r : program.results()) {
            String where = "result " + r.name();
            checkView(r.view(), where);
            if (!written.get(r.view().buffer()) && r.view().size() > 0) {
                throw fail(where, "reads b" + r.view().buffer() + ", which no instruction writes");
            }
            if (program.buffer(r.view().buffer()).dtype() != r.dtype()) {
                throw fail(where, "is " + r.dtype() + " but its buffer b" + r.view().buffer() + " holds " + program.buffer(r.view().buffer()).dtype());
            }
        }
        if (program.layout() != null) {
            checkLayout();
        }
    }

    private void code(List<Instr> code, String path) {
        for (int i = 0; i < code.size(); i++) {
            Instr ins = code.get(i);
            String at = path + i;
            if (ins instanceof Instr.Loop loop) {
                if (loop.level() != loopLengths.size()) {
                    throw fail("instruction " + at, "a loop at depth " + loopLengths.size() + " has level " + loop.level());
                }
                if (loop.length() < 0) {
                    throw fail("instruction " + at, "a loop of negative length " + loop.length());
                }
                loopLengths.add(loop.length());
                code(loop.body(), at + "/");
                loopLengths.remove(loopLengths.size() - 1);
                continue;
            }
            for (View v : ins.reads()) {
                checkView(v, at, ins);
                if (!written.get(v.buffer()) && v.size() > 0 && !loopLengths.contains(0)) {
                    throw fail(at, ins, "reads b" + v.buffer() + " (" + program.buffer(v.buffer()).name() + ") before anything writes it");
                }
            }
            for (View v : ins.writes()) {
                checkView(v, at, ins);
                Buffer b = program.buffer(v.buffer());
                if (b.constant() != null || b.feed()) {
                    throw fail(at, ins, "writes b" + v.buffer() + ", a " + (b.feed() ? "feed" : "constant"));
                }
            }
            checkAliasing(ins, at);
            for (View v : ins.writes()) {
                written.set(v.buffer());
            }
        }
    }

    /** Reads and writes of one instruction that touch the same elements must be an allowed in-place pattern. */
    private void checkAliasing(Instr ins, String at) {
        if (ins instanceof Instr.Gemm g) {
            for (View operand : List.of(g.a(), g.b())) {
                if (overlaps(operand, g.c())) {
                    throw fail(at, ins, "reads " + operand + " and writes " + g.c() + ": the same memory, which this instruction may not update in place");
                }
            }
            return; // with β ≠ 0 it reads its output as the accumulator, which is allowed
        }
        for (View w : ins.writes()) {
            for (View r : ins.reads()) {
                if (!overlaps(r, w)) {
                    continue;
                }
                boolean allowed = (ins instanceof Instr.Kernel || ins instanceof Instr.MaskStep) && r.equals(w);
                if (!allowed) {
                    throw fail(at, ins, "reads " + r + " and writes " + w + ": the same memory, which this instruction may not update in place");
                }
            }
        }
    }

    /** Whether two views of one buffer moving alike with the loops touch a common element range. */
    private static boolean overlaps(View a, View b) {
        return a.buffer() == b.buffer() && Arrays.equals(trim(a.loopStrides()), trim(b.loopStrides())) && intersects(a, b);
    }

    private static boolean intersects(View a, View b) {
        if (a.size() == 0 || b.size() == 0) {
            return false;
        }
        long[] ra = range(a, List.of());
        long[] rb = range(b, List.of());
        return ra[0] <= rb[1] && rb[0] <= ra[1];
    }

    private void checkBuffer(int id, String where) {
        if (id < 0 || id >= program.buffers().size()) {
            throw fail(where, "refers to buffer b" + id + "; the program has " + program.buffers().size());
        }
    }

    private void checkView(View v, String where) {
        checkView(v, where, null);
    }

    private void checkView(View v, String at, Instr ins) {
        if (v.buffer() < 0 || v.buffer() >= program.buffers().size()) {
            // The instruction is printed only for the message: printing every checked one built each
            // kernel's expression graph, most of a loaded artifact's first bind.
            checkBuffer(v.buffer(), ins == null ? at : "instruction " + at + " (" + ProgramPrinter.line(ins) + ")");
        }
        for (int l = loopLengths.size(); l < v.loopStrides().length; l++) {
            if (v.loopStrides()[l] != 0) {
                throw fail(at, ins, "view " + v + " moves with loop level " + l + ", which does not enclose it");
            }
        }
        if (v.size() == 0 || loopLengths.contains(0)) {
            return; // nothing is touched: an empty view, or code that never runs
        }
        long[] r = range(v, loopLengths);
        Buffer b = program.buffer(v.buffer());
        if (r[0] < 0 || r[1] >= b.elements()) {
            throw fail(at, ins, "view " + v + " reaches elements " + r[0] + ".." + r[1] + " of b" + b.id() + ", which holds " + b.elements());
        }
    }

    /** The lowest and highest element a view touches over all loop indices below {@code lengths}' levels. */
    private static long[] range(View v, List<Integer> lengths) {
        long lo = v.offset();
        long hi = v.offset();
        for (int a = 0; a < v.rank(); a++) {
            long span = (long) (v.dim(a) - 1) * v.stride(a);
            lo += Math.min(0, span);
            hi += Math.max(0, span);
        }
        for (int l = 0; l < Math.min(lengths.size(), v.loopStrides().length); l++) {
            long span = (long) Math.max(0, lengths.get(l) - 1) * v.loopStrides()[l];
            lo += Math.min(0, span);
            hi += Math.max(0, span);
        }
        return new long[] {lo, hi};
    }

    private static int[] trim(int[] a) {
        int n = a.length;
        while (n > 0 && a[n - 1] == 0) {
            n--;
        }
        return Arrays.copyOf(a, n);
    }

    /** Buffers live at the same time must not share bytes of the arena. */
    private void checkLayout() {
        Program.Layout layout = program.layout();
        int n = program.buffers().size();
        if (layout.offsets().length != n) {
            throw fail("layout", "places " + layout.offsets().length + " buffers; the program has " + n);
        }
        Liveness live = Liveness.of(program);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(layout.offset(a), layout.offset(b)));
        for (int i = 0; i < n; i++) {
            int a = order[i];
            Buffer ba = program.buffer(a);
            if (!live.used(a) || ba.bytes() == 0) {
                continue;
            }
            long end = layout.offset(a) + ba.bytes();
            if (layout.offset(a) < 0 || end > layout.bytes()) {
                throw fail("layout", "b" + a + " at " + layout.offset(a) + " (" + ba.bytes() + " bytes) lies outside the arena of " + layout.bytes() + " bytes");
            }
            for (int j = i + 1; j < n && layout.offset(order[j]) < end; j++) {
                int b = order[j];
                if (program.buffer(b).bytes() > 0 && live.overlap(a, b)) {
                    throw fail("layout", "b" + a + " (" + ba.name() + ") and b" + b + " (" + program.buffer(b).name()
                            + ") share arena bytes while both are live");
                }
            }
        }
    }

    private InvalidProgramException fail(String at, Instr ins, String message) {
        if (ins == null) {
            return fail(at, message);
        }
        return fail("instruction " + at + " (" + ProgramPrinter.line(ins) + ")", message);
    }

    private InvalidProgramException fail(String where, String message) {
        return new InvalidProgramException("invalid program after " + pass + ": " + where + " " + message);
    }
}
