package dev.spool.compiler.lower;

import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;

import java.util.ArrayList;
import java.util.List;

/**
 * Computes a cross-entropy loss with its gradient in one pass over the logits: a
 * {@code cross_entropy} followed, in the same instruction list, by a {@code cross_entropy_grad} of
 * the same logits and targets is dropped, and the gradient instruction also writes the loss. The
 * softmax of every row is then computed once instead of twice (the training step's head). Safe
 * when nothing between the two reads the loss or writes the logits or targets.
 *
 * <pre>
 * cross_entropy b4[64, 28], b5[64] -> b6[]                        ⇒
 * cross_entropy_grad b4[64, 28], b5[64] × b7[] -> b8[64, 28]          cross_entropy_grad … -> b8[64, 28], loss b6[]
 * </pre>
 */
public final class PairCrossEntropy implements ProgramPass {
    @Override
    public String name() {
        return "xent-grad";
    }

    @Override
    public Program run(Program p, Target target) {
        return p.withCode(p.buffers(), rewrite(p.code()));
    }

    private static List<Instr> rewrite(List<Instr> code) {
        List<Instr> out = new ArrayList<>();
        for (Instr ins : code) {
            out.add(ins instanceof Instr.Loop l ? new Instr.Loop(l.level(), l.length(), l.reverse(), rewrite(l.body()), l.label()) : ins);
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) instanceof Instr.CrossEntropy loss) {
                int g = partner(out, i, loss);
                if (g >= 0) {
                    Instr.CrossEntropyGrad grad = (Instr.CrossEntropyGrad) out.get(g);
                    out.set(g, new Instr.CrossEntropyGrad(grad.logits(), grad.targets(), grad.scale(), grad.out(), loss.out()));
                    out.remove(i--);
                }
            }
        }
        return out;
    }

    /** The index of the gradient instruction to pair with the loss at index i, or -1. */
    private static int partner(List<Instr> code, int i, Instr.CrossEntropy loss) {
        for (int g = i + 1; g < code.size(); g++) {
            if (code.get(g) instanceof Instr.CrossEntropyGrad grad && grad.loss() == null && grad.logits().equals(loss.logits())
                    && grad.targets().equals(loss.targets()) && grad.out().buffer() != loss.out().buffer()) {
                List<Instr> between = code.subList(i + 1, g);
                boolean safe = !BufferUse.reads(between, loss.out().buffer()) && !BufferUse.writes(between, loss.out().buffer())
                        && !BufferUse.writes(between, loss.logits().buffer()) && !BufferUse.writes(between, loss.targets().buffer())
                        && grad.scale().buffer() != loss.out().buffer();
                return safe ? g : -1;
            }
        }
        return -1;
    }
}
