package dev.spool.program.internal;

import dev.spool.ops.internal.Fused;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders a {@link Program} for people: the buffers (with their arena offsets once memory is
 * planned), then one instruction a line with loop bodies indented under their loop, then the
 * results. {@link ProgramText} is the exact, parseable form.
 * <pre>
 * loop scan#9 t0 = 0..34 {
 *   gemm b7[32, 256] x b2[768, 256]ᵀ -> b12[32, 768]
 *   kernel sigmoid(add(in0, in1)) b11[32, 768] +t0*24576, b12[32, 768] -> b13[32, 256]
 * }
 * </pre>
 */
public final class ProgramPrinter {
    private ProgramPrinter() {
    }

    public static String print(Program p) {
        StringBuilder sb = new StringBuilder("buffers:");
        if (p.layout() != null) {
            sb.append(String.format(" (arena %,d bytes)", p.layout().bytes()));
        }
        sb.append('\n');
        for (Buffer b : p.buffers()) {
            sb.append("  ").append(b);
            if (p.layout() != null) {
                sb.append(" @").append(p.layout().offset(b.id()));
            }
            sb.append('\n');
        }
        sb.append("code:\n");
        print(p.code(), "  ", sb);
        sb.append("results: ").append(p.results().stream().map(r -> r.name() + "=" + r.view()).collect(Collectors.joining(", "))).append('\n');
        return sb.toString();
    }

    /** The instructions alone, indented by {@code indent}. */
    public static String code(List<Instr> code, String indent) {
        StringBuilder sb = new StringBuilder();
        print(code, indent, sb);
        return sb.toString();
    }

    private static void print(List<Instr> code, String indent, StringBuilder sb) {
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop l) {
                sb.append(indent).append("loop ").append(l.label()).append(" t").append(l.level()).append(" = ")
                        .append(l.reverse() ? (l.length() - 1) + "..0" : "0.." + (l.length() - 1)).append(" {\n");
                print(l.body(), indent + "  ", sb);
                sb.append(indent).append("}\n");
            } else {
                sb.append(indent).append(line(ins)).append('\n');
            }
        }
    }

    /** One instruction on one line. */
    public static String line(Instr ins) {
        return ins.accept(new Instr.Visitor<String>() {
            public String visit(Instr.Gemm g) {
                return "gemm " + g.a() + (g.transA() ? "ᵀ" : "") + " x " + g.b() + (g.transB() ? "ᵀ" : "") + " -> " + g.c()
                        + " (m=" + g.m() + " n=" + g.n() + " k=" + g.k() + ")";
            }

            public String visit(Instr.Kernel k) {
                return "kernel " + new Fused(k.expr()).attributes() + " " + views(k.inputs()) + " -> " + views(k.outputs());
            }

            public String visit(Instr.Reduce r) {
                return "reduce_" + r.fn().name().toLowerCase(java.util.Locale.ROOT) + java.util.Arrays.toString(r.axes()) + " " + r.in() + " -> " + r.out();
            }

            public String visit(Instr.Softmax s) {
                return (s.log() ? "log_softmax" : "softmax") + "[axis=" + s.axis() + "] " + s.in() + " -> " + s.out();
            }

            public String visit(Instr.CrossEntropy c) {
                return "cross_entropy " + c.logits() + ", " + c.targets() + " -> " + c.out();
            }

            public String visit(Instr.CrossEntropyGrad c) {
                return "cross_entropy_grad " + c.logits() + ", " + c.targets() + " × " + c.scale() + " -> " + c.out()
                        + (c.loss() == null ? "" : ", loss " + c.loss());
            }

            public String visit(Instr.LinearCrossEntropyGrad c) {
                return "linear_xent_grad " + c.h() + " x " + c.w() + "ᵀ" + (c.bias() == null ? "" : " + " + c.bias()) + ", " + c.targets() + " × " + c.scale()
                        + " ->" + (c.loss() == null ? "" : " loss " + c.loss()) + (c.dh() == null ? "" : " dh " + c.dh())
                        + (c.dw() == null ? "" : " dw " + c.dw()) + (c.db() == null ? "" : " db " + c.db());
            }

            public String visit(Instr.Gather g) {
                return "gather " + g.table() + "[" + g.indices() + "] -> " + g.out();
            }

            public String visit(Instr.ScatterAdd s) {
                return "scatter_add " + s.updates() + " at " + s.indices() + " -> " + s.out();
            }

            public String visit(Instr.OneHot o) {
                return "one_hot " + o.indices() + " -> " + o.out();
            }

            public String visit(Instr.Fill f) {
                return "fill " + f.value() + " -> " + f.out();
            }

            public String visit(Instr.Iota i) {
                return "iota[axis=" + i.axis() + "] -> " + i.out();
            }

            public String visit(Instr.Copy c) {
                return "copy " + c.src() + " -> " + c.dst();
            }

            public String visit(Instr.Loop l) {
                return "loop " + l.label();
            }

            public String visit(Instr.MaskStep m) {
                return "mask_step t" + m.level() + " " + (m.lengths() ? "lengths " : "mask ") + m.active() + " carries " + views(m.next())
                        + " -> " + views(m.slots()) + ", zero " + views(m.outputs());
            }

            public String visit(Instr.CheckLengths c) {
                return "check_lengths " + c.lengths() + " <= " + c.steps();
            }

            public String visit(Instr.Fallback f) {
                return "reference " + f.node().op().name() + " " + views(f.inputs()) + " -> " + views(f.outputs());
            }
        });
    }

    private static String views(List<View> vs) {
        return vs.stream().map(View::toString).collect(Collectors.joining(", "));
    }
}
