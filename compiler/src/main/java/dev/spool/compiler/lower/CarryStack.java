package dev.spool.compiler.lower;

import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.program.internal.Buffer;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramRewrite;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Keeps a scan carry in a stack of T + 1 slots instead of a slot of its own. A training step keeps
 * every carry value for the backward pass: lowering starts each step with a copy
 * {@code carry → history[t]}, and the kernel that computes the next carry often writes the same
 * value twice, to the carry and to row t of the stacked output ({@link InPlaceCarries} made it so).
 * Here the history buffer grows one slot and becomes the carry's home: step t reads slot t and
 * writes slot t + 1 (reverse loops the other way round), the stacked output is a view of slots
 * 1..T, the initial value goes to slot 0 and the final one is read from slot T. The copy per step,
 * the second store of every element and one T-row buffer go away (for the d2l RNN, 128 KB copied
 * and 128 KB stored per step, and 4 MB of arena).
 *
 * <pre>
 * copy b8 -> b11                                  copy b8 -> b13
 * loop t0 = 0..T-1 {                              loop t0 = 0..T-1 {
 *   copy b11 -> b13 +t0*n                    ⇒      gemm b13 +t0*n x w -> b14
 *   gemm b11 x w -> b14                              kernel tanh(…) … -> b13+n +t0*n
 *   kernel tanh(…); tanh(…) … -> b12 +t0*n, b11    }
 * }                                               (b12 is b13+n: rows 1..T of b13, which has T + 1)
 * </pre>
 *
 * It applies only when nothing could tell the difference: the carry (a whole buffer) is written
 * once before the loop and, in the step, only by that kernel, after every read of it; the history
 * and the stacked output are written nowhere else, are not feeds, and are exactly T rows of the
 * carry's size; the step has no masks and no nested loop.
 */
public final class CarryStack implements ProgramPass {
    @Override
    public String name() {
        return "carry-stack";
    }

    @Override
    public Program run(Program p, Target target) {
        for (Program next = once(p); next != null; next = once(p)) {
            p = next;
        }
        return p;
    }

    /** The program with one more carry moved into its history, or null when none can be. */
    private static Program once(Program p) {
        BufferUse use = BufferUse.of(p);
        for (int li = 0; li < p.code().size(); li++) {
            if (!(p.code().get(li) instanceof Instr.Loop l)
                    || l.body().stream().anyMatch(i -> i instanceof Instr.Loop || i instanceof Instr.MaskStep)) {
                continue;
            }
            for (int ci = 0; ci < l.body().size(); ci++) {
                if (l.body().get(ci) instanceof Instr.Copy cp) {
                    Program moved = move(p, use, li, ci, cp);
                    if (moved != null) {
                        return moved;
                    }
                }
            }
        }
        return null;
    }

    /** Where a view of the carry, the history or the stacked output lands in the grown history, in slots. */
    private record Slots(int history, int read, int write, int output, int initial, int last) {
        static Slots of(boolean reverse, int steps) {
            // Forward: step t reads slot t and writes t + 1. Reverse (t from T-1 down): reads t + 1, writes t.
            return reverse ? new Slots(1, 1, 0, 0, steps, 0) : new Slots(0, 0, 1, 1, 0, steps);
        }
    }

    private static Program move(Program p, BufferUse use, int li, int ci, Instr.Copy cp) {
        Instr.Loop loop = (Instr.Loop) p.code().get(li);
        View carry = cp.src();
        View history = cp.dst();
        int c = carry.buffer();
        int h = history.buffer();
        int n = carry.size();
        int steps = loop.length();
        if (c == h || !BufferUse.whole(p, carry) || !plain(p.buffer(c)) || !plain(p.buffer(h)) || p.buffer(c).dtype() != p.buffer(h).dtype()
                || !stackRow(p, history, loop.level(), n, steps) || use.writes()[h] != 1 || use.writes()[c] != 2) {
            return null;
        }
        List<Instr> body = loop.body();
        int k = -1;
        for (int i = 0; i < body.size(); i++) {
            if (writes(body.get(i), c)) {
                k = i;
            }
        }
        if (k <= ci || !(body.get(k) instanceof Instr.Kernel kernel)) {
            return null;
        }
        int out = kernel.outputs().indexOf(carry);
        if (out < 0 || kernel.outputs().stream().filter(v -> v.buffer() == c).count() != 1) {
            return null;
        }
        for (int i = 0; i < body.size(); i++) {
            Instr ins = body.get(i);
            if (i > k && reads(ins, c) || ins.reads().stream().anyMatch(v -> v.buffer() == c && v.isLoopVariant())) {
                return null; // a read of the new value, or a moving view of the carry
            }
        }
        // The stacked output: another output of the kernel with the carry's value.
        Value value = kernel.expr().results().get(out);
        int yi = -1;
        for (int i = 0; i < kernel.outputs().size(); i++) {
            View v = kernel.outputs().get(i);
            int b = v.buffer();
            if (i != out && kernel.expr().results().get(i).equals(value) && b != c && b != h && plain(p.buffer(b))
                    && p.buffer(b).dtype() == p.buffer(c).dtype() && stackRow(p, v, loop.level(), n, steps) && use.writes()[b] == 1) {
                yi = i;
            }
        }
        int y = yi < 0 ? -1 : kernel.outputs().get(yi).buffer();
        // Outside the loop: one whole write of the carry before it (its initial value), reads only after it.
        int init = -1;
        for (int i = 0; i < li; i++) {
            Instr ins = p.code().get(i);
            if (reads(ins, c) || ins instanceof Instr.Loop && writes(ins, c)) {
                return null;
            }
            if (writes(ins, c)) {
                init = i;
            }
        }
        if (init < 0 || !p.code().get(init).writes().stream().filter(v -> v.buffer() == c).allMatch(v -> BufferUse.whole(p, v))) {
            return null;
        }
        Slots s = Slots.of(loop.reverse(), steps);
        UnaryOperator<View> outside = v -> at(v, c, h, y, n, s.initial(), s);
        UnaryOperator<View> afterward = v -> at(v, c, h, y, n, s.last(), s);
        UnaryOperator<View> inside = v -> v.buffer() == c ? shifted(v, h, s.read() * n).atLoop(loop.level(), n) : at(v, c, h, y, n, 0, s);
        List<Instr> newBody = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            if (i == ci) {
                continue;
            }
            Instr ins = ProgramRewrite.mapViews(body.get(i), inside);
            if (i == k) {
                Instr.Kernel kk = (Instr.Kernel) ins;
                List<View> outputs = new ArrayList<>(kk.outputs());
                outputs.set(out, shifted(carry, h, s.write() * n).atLoop(loop.level(), n));
                ins = yi < 0 ? new Instr.Kernel(kk.expr(), kk.inputs(), outputs, kk.shape()) : without(kk.expr(), kk.inputs(), outputs, kk.shape(), yi);
            }
            newBody.add(ins);
        }
        List<Instr> code = new ArrayList<>();
        for (int i = 0; i < p.code().size(); i++) {
            Instr ins = p.code().get(i);
            code.add(i == li ? new Instr.Loop(loop.level(), loop.length(), loop.reverse(), newBody, loop.label())
                    : ProgramRewrite.mapViews(ins, i < li ? outside : afterward));
        }
        List<Buffer> buffers = new ArrayList<>(p.buffers());
        Buffer hb = p.buffer(h);
        buffers.set(h, new Buffer(h, hb.dtype(), (steps + 1) * n, hb.name(), null, false));
        List<Program.Result> results = p.results().stream().map(r -> new Program.Result(r.name(), afterward.apply(r.view()), r.dtype())).toList();
        return new Program(buffers, code, p.feeds(), results, p.layout());
    }

    /** v in the grown history: the carry at slot {@code carrySlot}, the history and the stacked output at theirs. */
    private static View at(View v, int c, int h, int y, int n, int carrySlot, Slots s) {
        int b = v.buffer();
        return b == c ? shifted(v, h, carrySlot * n) : b == h ? shifted(v, h, s.history() * n) : b == y ? shifted(v, h, s.output() * n) : v;
    }

    private static View shifted(View v, int buffer, int by) {
        return new View(buffer, v.offset() + by, v.shape(), v.strides(), v.loopStrides());
    }

    /** Whether v is row t of a stack of {@code steps} rows of n elements filling its buffer (t: loop {@code level}'s index). */
    private static boolean stackRow(Program p, View v, int level, int n, int steps) {
        int[] ls = v.loopStrides();
        for (int l = 0; l < ls.length; l++) {
            if (ls[l] != (l == level ? n : 0)) {
                return false;
            }
        }
        return ls.length > level && v.offset() == 0 && v.isContiguous() && v.size() == n && p.buffer(v.buffer()).elements() == (long) steps * n;
    }

    /** A buffer the program computes (not a feed or a constant). */
    private static boolean plain(Buffer b) {
        return !b.feed() && b.constant() == null;
    }

    private static boolean reads(Instr ins, int b) {
        return BufferUse.reads(List.of(ins), b);
    }

    private static boolean writes(Instr ins, int b) {
        return BufferUse.writes(List.of(ins), b);
    }

    /** The kernel without its output {@code index} (a second store of a value it also stores elsewhere). */
    private static Instr.Kernel without(Graph expr, List<View> inputs, List<View> outputs, int[] shape, int index) {
        List<Value> results = new ArrayList<>(expr.results());
        List<String> names = new ArrayList<>(expr.resultNames());
        List<View> outs = new ArrayList<>(outputs);
        results.remove(index);
        names.remove(index);
        outs.remove(index);
        return new Instr.Kernel(new Graph(expr.nodes(), expr.params(), results, names), inputs, outs, shape);
    }
}
