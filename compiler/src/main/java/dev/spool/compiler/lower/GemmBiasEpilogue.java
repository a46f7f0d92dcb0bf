package dev.spool.compiler.lower;

import dev.spool.graph.Graph;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Source;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.internal.Binary;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Folds a bias add into the GEMM that produces its other operand ("addmm"): a GEMM with β = 0
 * writing a temporary that only a one-op {@code add} kernel reads, the other operand being a row
 * broadcast along every leading axis (a bias), becomes a copy of the broadcast bias into the add's
 * destination and the GEMM accumulating onto it (β = 1). This saves one elementwise pass over the
 * product and its temporary (for {@code x Wᵀ + b}, every linear layer).
 * It assumes the lowering's single-writer buffers: the GEMM moves down to the add, so nothing in
 * between may write its operands.
 *
 * <pre>
 * gemm b1 x b2ᵀ -> b7          copy b3[4]/s[0, 1] -> b8
 * kernel add(in0, in1) b7, b3 -> b8     ⇒     gemm b1 x b2ᵀ -> b8 (β=1)
 * </pre>
 */
public final class GemmBiasEpilogue implements ProgramPass {
    @Override
    public String name() {
        return "gemm-bias";
    }

    @Override
    public Program run(Program p, Target target) {
        BufferUse use = BufferUse.of(p);
        return p.withCode(p.buffers(), rewrite(p, p.code(), use));
    }

    private static List<Instr> rewrite(Program p, List<Instr> code, BufferUse use) {
        List<Instr> out = new ArrayList<>();
        for (Instr ins : code) {
            out.add(ins instanceof Instr.Loop l ? new Instr.Loop(l.level(), l.length(), l.reverse(), rewrite(p, l.body(), use), l.label()) : ins);
        }
        for (int k = 0; k < out.size(); k++) {
            if (out.get(k) instanceof Instr.Kernel add && isAdd(add.expr()) && add.outputs().size() == 1) {
                for (int j = 0; j < 2; j++) {
                    if (fold(p, out, k, add, add.inputs().get(j), add.inputs().get(1 - j), use)) {
                        k--; // the GEMM above was removed
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** Rewrites product + bias at kernel index k when the pattern holds; returns whether it did. */
    private static boolean fold(Program p, List<Instr> code, int k, Instr.Kernel add, View product, View bias, BufferUse use) {
        int t = product.buffer();
        View dst = add.outputs().get(0);
        if (!BufferUse.whole(p, product) || !Arrays.equals(product.shape(), add.shape()) || use.reads()[t] != 1 || use.writes()[t] != 1
                || use.result()[t] || !dst.isContiguous() || !Arrays.equals(dst.shape(), add.shape()) || bias.buffer() == dst.buffer()
                || !rowBroadcast(bias)) {
            return false;
        }
        int g = -1;
        for (int i = 0; i < k; i++) {
            if (code.get(i) instanceof Instr.Gemm gemm && gemm.c().buffer() == t) {
                g = i;
            }
        }
        if (g < 0) {
            return false;
        }
        Instr.Gemm gemm = (Instr.Gemm) code.get(g);
        int a = gemm.a().buffer();
        int b = gemm.b().buffer();
        if (gemm.beta() != 0 || dst.buffer() == a || dst.buffer() == b) {
            return false;
        }
        List<Instr> between = code.subList(g + 1, k);
        if (BufferUse.writes(between, a) || BufferUse.writes(between, b) || BufferUse.writes(between, bias.buffer())
                || BufferUse.reads(between, dst.buffer()) || BufferUse.writes(between, dst.buffer())) {
            return false;
        }
        // The product's layout inside its temporary, moved onto the add's destination.
        View c = gemm.c();
        int[] loop = new int[Math.max(c.loopStrides().length, dst.loopStrides().length)];
        for (int l = 0; l < loop.length; l++) {
            loop[l] = (l < c.loopStrides().length ? c.loopStrides()[l] : 0) + (l < dst.loopStrides().length ? dst.loopStrides()[l] : 0);
        }
        View onto = new View(dst.buffer(), dst.offset() + c.offset(), c.shape(), c.strides(), loop);
        Instr.Gemm accumulate = new Instr.Gemm(gemm.dtype(), gemm.a(), gemm.b(), onto, gemm.transA(), gemm.transB(), gemm.m(), gemm.n(), gemm.k(), 1,
                gemm.batch(), gemm.batchStrideA(), gemm.batchStrideB(), gemm.batchStrideC());
        code.set(k, new Instr.Copy(bias, dst));
        code.add(k + 1, accumulate);
        code.remove(g);
        return true;
    }

    /**
     * Whether the view repeats one row along every leading axis (a bias {@code b} broadcast to
     * {@code x Wᵀ}'s shape). A full-size addend is left to the add kernel: copying it would cost
     * as much as the add and keep the product's destination from being a carry slot.
     */
    private static boolean rowBroadcast(View v) {
        for (int a = 0; a < v.rank() - 1; a++) {
            if (v.dim(a) != 1 && v.stride(a) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether expr is exactly {@code out0 = add(in0, in1)} (either order). */
    private static boolean isAdd(Graph expr) {
        List<Node> ops = expr.nodes().stream().filter(n -> !(n.op() instanceof Source)).toList();
        return ops.size() == 1 && expr.params().size() == 2 && expr.results().size() == 1 && ops.get(0).op() instanceof Binary bin
                && bin.fn() == BinaryFn.ADD && expr.results().get(0).node() == ops.get(0).id() && expr.params().containsAll(ops.get(0).inputs())
                && !ops.get(0).inputs().get(0).equals(ops.get(0).inputs().get(1)) && ops.get(0).outputs().get(0).dtype().isFloat();
    }
}
