package dev.spool.program.internal;

import java.util.List;
import java.util.function.UnaryOperator;

/** Rewrites every view of a {@link Program}, recursively through loop bodies. */
public final class ProgramRewrite {
    private ProgramRewrite() {
    }

    /** The program with each view of buffer b moved to buffer {@code rename[b]} (same geometry). */
    public static Program renameBuffers(Program p, int[] rename) {
        UnaryOperator<View> f = v -> rename[v.buffer()] == v.buffer() ? v : v.withBuffer(rename[v.buffer()]);
        List<Program.Result> results = p.results().stream().map(r -> new Program.Result(r.name(), f.apply(r.view()), r.dtype())).toList();
        return new Program(p.buffers(), mapViews(p.code(), f), p.feeds(), results);
    }

    public static List<Instr> mapViews(List<Instr> code, UnaryOperator<View> f) {
        return code.stream().map(i -> mapViews(i, f)).toList();
    }

    private static List<View> all(List<View> vs, UnaryOperator<View> f) {
        return vs.stream().map(f).toList();
    }

    /** f(v), or null for an absent view. */
    private static View optional(View v, UnaryOperator<View> f) {
        return v == null ? null : f.apply(v);
    }

    public static Instr mapViews(Instr ins, UnaryOperator<View> f) {
        return ins.accept(new Instr.Visitor<Instr>() {
            public Instr visit(Instr.Gemm g) {
                return new Instr.Gemm(g.dtype(), f.apply(g.a()), f.apply(g.b()), f.apply(g.c()), g.transA(), g.transB(),
                        g.m(), g.n(), g.k(), g.beta(), g.batch(), g.batchStrideA(), g.batchStrideB(), g.batchStrideC());
            }

            public Instr visit(Instr.Kernel k) {
                return new Instr.Kernel(k.expression(), all(k.inputs(), f), all(k.outputs(), f), k.shape());
            }

            public Instr visit(Instr.Reduce r) {
                return new Instr.Reduce(r.fn(), f.apply(r.in()), f.apply(r.out()), r.axes());
            }

            public Instr visit(Instr.Softmax s) {
                return new Instr.Softmax(f.apply(s.in()), f.apply(s.out()), s.axis(), s.log());
            }

            public Instr visit(Instr.CrossEntropy c) {
                return new Instr.CrossEntropy(f.apply(c.logits()), f.apply(c.targets()), f.apply(c.out()));
            }

            public Instr visit(Instr.CrossEntropyGrad c) {
                return new Instr.CrossEntropyGrad(f.apply(c.logits()), f.apply(c.targets()), f.apply(c.scale()), f.apply(c.out()),
                        optional(c.loss(), f));
            }

            public Instr visit(Instr.LinearCrossEntropyGrad c) {
                return new Instr.LinearCrossEntropyGrad(f.apply(c.h()), f.apply(c.w()), optional(c.bias(), f), f.apply(c.targets()),
                        f.apply(c.scale()), optional(c.loss(), f), optional(c.dh(), f), optional(c.dw(), f), optional(c.db(), f));
            }

            public Instr visit(Instr.Gather g) {
                return new Instr.Gather(f.apply(g.table()), f.apply(g.indices()), f.apply(g.out()));
            }

            public Instr visit(Instr.ScatterAdd s) {
                return new Instr.ScatterAdd(f.apply(s.indices()), f.apply(s.updates()), f.apply(s.out()));
            }

            public Instr visit(Instr.OneHot o) {
                return new Instr.OneHot(f.apply(o.indices()), f.apply(o.out()));
            }

            public Instr visit(Instr.Fill fl) {
                return new Instr.Fill(f.apply(fl.out()), fl.value());
            }

            public Instr visit(Instr.Iota io) {
                return new Instr.Iota(f.apply(io.out()), io.axis());
            }

            public Instr visit(Instr.Copy c) {
                return new Instr.Copy(f.apply(c.src()), f.apply(c.dst()));
            }

            public Instr visit(Instr.Loop l) {
                return new Instr.Loop(l.level(), l.length(), l.reverse(), mapViews(l.body(), f), l.label());
            }

            public Instr visit(Instr.MaskStep m) {
                return new Instr.MaskStep(m.level(), f.apply(m.active()), m.lengths(), all(m.next(), f), all(m.slots(), f), all(m.outputs(), f));
            }

            public Instr visit(Instr.CheckLengths c) {
                return new Instr.CheckLengths(f.apply(c.lengths()), c.steps(), c.label());
            }

            public Instr visit(Instr.Fallback fb) {
                return new Instr.Fallback(fb.node(), all(fb.inputs(), f), all(fb.outputs(), f));
            }
        });
    }
}
