package dev.spool.compiler.lower;

import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramRewrite;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Writes a scan carry's next value straight into its slot. Lowering ends every step of an unmasked
 * loop with copies {@code next → slot}; this pass removes such a copy and makes the instruction that
 * produced {@code next} write the slot instead, when no later instruction of the step reads the
 * slot's old value, and the producer reads the slot, if at all, as an elementwise kernel at exactly
 * the elements it writes (it loads an element's operands before storing it). When the next value
 * is a whole temporary buffer used nowhere else, the temporary is replaced by the slot everywhere
 * in the step; when it is another view (say, also the step's row of a stacked output), the
 * producing kernel writes the slot as one more output. A steady-state step then copies nothing.
 *
 * <pre>
 * loop t0 {                                      loop t0 {
 *   kernel tanh(…) b3, b4 -> b9                ⇒     kernel tanh(…) b3, b4 -> b3
 *   copy b9 -> b3                                 }
 * }
 * </pre>
 */
public final class InPlaceCarries implements ProgramPass {
    @Override
    public String name() {
        return "inplace-carries";
    }

    @Override
    public Program run(Program p, Target target) {
        return p.withCode(p.buffers(), rewrite(p, p.code(), BufferUse.of(p)));
    }

    private static List<Instr> rewrite(Program p, List<Instr> code, BufferUse use) {
        List<Instr> out = new ArrayList<>();
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop l) {
                List<Instr> body = rewrite(p, l.body(), use);
                out.add(new Instr.Loop(l.level(), l.length(), l.reverse(), coalesce(p, body, use), l.label()));
            } else {
                out.add(ins);
            }
        }
        return out;
    }

    /** The step with every carry copy that can be removed removed, one at a time. */
    private static List<Instr> coalesce(Program p, List<Instr> step, BufferUse use) {
        if (step.stream().anyMatch(i -> i instanceof Instr.MaskStep)) {
            return step; // a masked step keeps inactive rows' old carries: the slot is written at its end
        }
        List<Instr> body = new ArrayList<>(step);
        boolean changed = true;
        while (changed) {
            changed = false;
            int first = body.size();
            while (first > 0 && body.get(first - 1) instanceof Instr.Copy) {
                first--;
            }
            for (int j = first; j < body.size() && !changed; j++) {
                List<Instr> rewritten = coalesce(p, body, j, use);
                if (rewritten != null) {
                    body = rewritten;
                    changed = true;
                }
            }
        }
        return body;
    }

    /** The step with the copy at index j folded into its producer, or null when that is not safe. */
    private static List<Instr> coalesce(Program p, List<Instr> body, int j, BufferUse use) {
        Instr.Copy copy = (Instr.Copy) body.get(j);
        View slot = copy.dst();
        View next = copy.src();
        int s = slot.buffer();
        int v = next.buffer();
        if (!BufferUse.whole(p, slot) || v == s || use.writes()[v] != 1 || p.buffer(v).dtype() != p.buffer(s).dtype()) {
            return null;
        }
        int at = -1;
        for (int i = 0; i < j; i++) {
            if (!(body.get(i) instanceof Instr.Loop) && body.get(i).writes().contains(next)) {
                at = i;
            }
        }
        if (at < 0) {
            return null;
        }
        Instr producer = body.get(at);
        List<Instr> after = new ArrayList<>(body.subList(at + 1, body.size()));
        after.remove(j - at - 1);
        if (BufferUse.reads(after, s) || BufferUse.writes(after, s) || producer.writes().stream().anyMatch(w -> w.buffer() == s)) {
            return null;
        }
        boolean temporary = BufferUse.whole(p, next) && p.buffer(v).elements() == p.buffer(s).elements() && !use.result()[v]
                && !p.buffer(v).feed() && accessesIn(body, v) == use.reads()[v] + use.writes()[v];
        View target = temporary ? next.withBuffer(s) : slot.reshape(next.shape());
        if (!readsOnlyAt(producer, s, target)) {
            return null;
        }
        List<Instr> out = new ArrayList<>(body);
        out.remove(j);
        if (temporary) {
            UnaryOperator<View> rename = x -> x.buffer() == v ? x.withBuffer(s) : x;
            return ProgramRewrite.mapViews(out, rename);
        }
        if (!(producer instanceof Instr.Kernel k) || next.size() != slot.size()) {
            return null;
        }
        out.set(at, alsoWriting(k, next, target));
        return out;
    }

    /** Whether ins reads buffer b only as an elementwise kernel reading exactly {@code target}'s elements. */
    private static boolean readsOnlyAt(Instr ins, int b, View target) {
        List<View> reads = ins.reads().stream().filter(r -> r.buffer() == b).toList();
        return reads.isEmpty() || ins instanceof Instr.Kernel && reads.stream().allMatch(target::equals);
    }

    /** Reads plus writes of buffer b by the instructions of this step (nested loops included). */
    private static int accessesIn(List<Instr> code, int b) {
        int n = 0;
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop l) {
                n += accessesIn(l.body(), b);
            }
            n += (int) ins.reads().stream().filter(x -> x.buffer() == b).count();
            n += (int) ins.writes().stream().filter(x -> x.buffer() == b).count();
        }
        return n;
    }

    /** Kernel k also storing the value it writes to {@code next} into {@code slot}. */
    private static Instr.Kernel alsoWriting(Instr.Kernel k, View next, View slot) {
        Graph expr = k.expr();
        Value value = expr.results().get(k.outputs().indexOf(next));
        List<Value> results = new ArrayList<>(expr.results());
        results.add(value);
        List<String> names = new ArrayList<>(expr.resultNames());
        names.add("out" + (names.size()));
        List<View> outputs = new ArrayList<>(k.outputs());
        outputs.add(slot);
        return new Instr.Kernel(new Graph(expr.nodes(), expr.params(), results, names), k.inputs(), outputs, k.shape());
    }
}
