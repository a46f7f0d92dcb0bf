package dev.spool.compiler.lower;

import dev.spool.graph.DType;
import dev.spool.ops.internal.ReduceFn;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.List;

/**
 * Fuses a classifier head's training step into one {@code linear_xent_grad}: the logits GEMM
 * {@code h·wᵀ} (with its bias copy from {@link GemmBiasEpilogue}), the {@code cross_entropy_grad}
 * of those logits (with the loss from {@link PairCrossEntropy}), and the instructions that read the
 * gradient g: {@code g·w} (the gradient of h), {@code gᵀ·h} (of w) and the column sums of g (of the
 * bias). The backend then runs them block of rows by block of rows, so the logits and g (for the
 * d2l language model 32,768 × 28 floats each, 3.7 MB, out of cache between the five instructions
 * that read or wrote them) live only in a cache-sized scratch, and the arena loses both buffers (the
 * fused linear cross-entropy of Liger-Kernel and Apple's Cut Cross-Entropy, on a CPU). Runs for
 * targets that ask for it ({@link Target#linearCrossEntropy()}), on F32 top-level instructions, when
 * the logits and g are read and written by nothing else and are not results. The fused instruction
 * takes the place of the {@code cross_entropy_grad}, so nothing between the moved instructions and
 * it may write their operands or touch their outputs. The weight and bias gradients are then summed
 * block by block: the same function, other rounding (within float's as a whole-k GEMM's are).
 *
 * <pre>
 * copy b7[32, 1024, 28]/s[0, 0, 1] -> b16[32, 1024, 28]
 * gemm b12[32768, 32] x b6[28, 32]ᵀ -> b16[32768, 28] (β=1)
 * cross_entropy_grad b16[32768, 28], b1[32768] × b18[] -> b22[32768, 28], loss b17[]          ⇒   linear_xent_grad b12[32768, 32] x b6[28, 32]ᵀ + b7[28],
 * reduce_sum[0, 1] b22[32, 1024, 28] -> b23[28]                                                     b1[32768] × b18[] -> loss b17[] dh b24[32768, 32]
 * gemm b22[32768, 28] x b6[28, 32] -> b24[32768, 32]                                                dw b25[28, 32] db b23[28]
 * gemm b22[32768, 28]ᵀ x b12[32768, 32] -> b25[28, 32]
 * </pre>
 */
public final class LinearCrossEntropyFusion implements ProgramPass {
    @Override
    public String name() {
        return "linear-xent";
    }

    @Override
    public Program run(Program p, Target target) {
        if (!target.linearCrossEntropy()) {
            return p;
        }
        List<Instr> code = new ArrayList<>(p.code());
        BufferUse use = BufferUse.of(p);
        for (int i = 0; i < code.size(); i++) {
            if (code.get(i) instanceof Instr.CrossEntropyGrad ce && fuse(p, code, i, ce, use)) {
                use = BufferUse.of(p.withCode(p.buffers(), code));
                i = -1; // indices moved; look again from the top
            }
        }
        return p.withCode(p.buffers(), code);
    }

    /** Rewrites the head around the gradient instruction at index c when the pattern holds; returns whether it did. */
    private static boolean fuse(Program p, List<Instr> code, int c, Instr.CrossEntropyGrad ce, BufferUse use) {
        int logits = ce.logits().buffer();
        int grad = ce.out().buffer();
        if (p.buffer(logits).dtype() != DType.F32 || ce.logits().rank() != 2 || !BufferUse.whole(p, ce.logits()) || !BufferUse.whole(p, ce.out())
                || use.result()[logits] || use.result()[grad] || use.writes()[grad] != 1) {
            return false;
        }
        int rows = ce.logits().dim(0);
        int classes = ce.logits().dim(1);
        // The logits' producer: a GEMM h·wᵀ, after a copy of a broadcast bias when it accumulates (β = 1).
        int g = -1;
        for (int j = c - 1; j >= 0 && g < 0; j--) {
            if (code.get(j) instanceof Instr.Gemm gemm && gemm.c().buffer() == logits) {
                g = j;
            }
        }
        if (g < 0) {
            return false;
        }
        Instr.Gemm product = (Instr.Gemm) code.get(g);
        View h = product.a();
        View w = product.b();
        if (product.dtype() != DType.F32 || product.batch() != 1 || product.transA() || !product.transB() || product.m() != rows || product.n() != classes
                || !BufferUse.whole(p, product.c()) || h.isLoopVariant() || w.isLoopVariant() || w.dim(0) != classes || w.dim(1) != h.dim(1)
                || h.dim(0) != rows) {
            return false;
        }
        int first = g;
        View bias = null;
        if (product.beta() != 0) {
            if (product.beta() != 1 || g == 0 || !(code.get(g - 1) instanceof Instr.Copy copy) || copy.dst().buffer() != logits
                    || !BufferUse.whole(p, copy.dst()) || (bias = biasRow(copy.src(), classes)) == null) {
                return false;
            }
            first = g - 1;
        }
        if (use.writes()[logits] != (bias == null ? 1 : 2) || use.reads()[logits] != (product.beta() == 0 ? 1 : 2)) {
            return false;
        }
        // Nothing between the producer and the gradient instruction may write what the producer reads.
        List<Instr> before = code.subList(g + 1, c);
        for (View v : bias == null ? List.of(h, w) : List.of(h, w, bias)) {
            if (BufferUse.writes(before, v.buffer())) {
                return false;
            }
        }
        // The readers of g: the gradients of h, w and the bias, at most one each, and nothing else.
        int[] at = {-1, -1, -1};
        int readers = 0;
        for (int j = c + 1; j < code.size(); j++) {
            Instr ins = code.get(j);
            if (ins.reads().stream().noneMatch(v -> v.buffer() == grad) && !(ins instanceof Instr.Loop l && BufferUse.reads(l.body(), grad))) {
                continue;
            }
            int kind = consumer(p, ins, ce.out(), h, w, rows, classes);
            if (kind < 0 || at[kind] >= 0) {
                return false;
            }
            at[kind] = j;
            readers++;
        }
        if (readers != use.reads()[grad]) {
            return false;
        }
        // Each reader moves up to the gradient instruction: nothing between may touch its output or write its operands.
        for (int j : at) {
            if (j < 0) {
                continue;
            }
            View out = code.get(j).writes().get(0);
            List<Instr> between = code.subList(c + 1, j);
            if (BufferUse.reads(between, out.buffer()) || BufferUse.writes(between, out.buffer()) || BufferUse.writes(between, h.buffer())
                    || BufferUse.writes(between, w.buffer())) {
                return false;
            }
        }
        View dh = at[0] < 0 ? null : ((Instr.Gemm) code.get(at[0])).c();
        View dw = at[1] < 0 ? null : ((Instr.Gemm) code.get(at[1])).c();
        View db = at[2] < 0 ? null : ((Instr.Reduce) code.get(at[2])).out().reshape(new int[] {classes});
        Instr fused = new Instr.LinearCrossEntropyGrad(h, w, bias, ce.targets(), ce.scale(), ce.loss(), dh, dw, db);
        List<Integer> drop = new ArrayList<>(List.of(first, g, at[0], at[1], at[2]));
        code.set(c, fused);
        drop.stream().filter(j -> j >= 0).distinct().sorted((x, y) -> y - x).forEach(j -> code.remove((int) j));
        return true;
    }

    /**
     * Which gradient {@code ins} computes from g: 0 for {@code g·w} (into rows × F), 1 for {@code gᵀ·h}
     * (into C × F), 2 for the column sums of g (into C); -1 for anything else.
     */
    private static int consumer(Program p, Instr ins, View g, View h, View w, int rows, int classes) {
        if (ins instanceof Instr.Gemm gemm && gemm.batch() == 1 && gemm.beta() == 0 && gemm.a().equals(g) && gemm.c().rank() == 2
                && gemm.c().isContiguous() && !gemm.c().isLoopVariant()) {
            if (!gemm.transA() && !gemm.transB() && gemm.b().equals(w) && gemm.m() == rows && gemm.n() == w.dim(1) && gemm.k() == classes) {
                return 0;
            }
            if (gemm.transA() && !gemm.transB() && gemm.b().equals(h) && gemm.m() == classes && gemm.n() == h.dim(1) && gemm.k() == rows) {
                return 1;
            }
            return -1;
        }
        if (ins instanceof Instr.Reduce r && r.fn() == ReduceFn.SUM && r.in().buffer() == g.buffer() && BufferUse.whole(p, r.in())
                && r.in().dim(r.in().rank() - 1) == classes && r.axes().length == r.in().rank() - 1 && r.out().size() == classes
                && r.out().isContiguous() && !r.out().isLoopVariant()) {
            for (int a = 0; a < r.axes().length; a++) {
                if (r.axes()[a] != a) {
                    return -1;
                }
            }
            return 2;
        }
        return -1;
    }

    /** The bias row of a broadcast copy's source (stride 0 on every leading axis, unit stride on the last, C long), or null. */
    private static View biasRow(View src, int classes) {
        if (src.isLoopVariant() || src.dim(src.rank() - 1) != classes || src.stride(src.rank() - 1) != 1) {
            return null;
        }
        View row = src;
        while (row.rank() > 1) {
            if (row.stride(0) != 0) {
                return null;
            }
            row = row.index(0, 0);
        }
        return row;
    }
}
