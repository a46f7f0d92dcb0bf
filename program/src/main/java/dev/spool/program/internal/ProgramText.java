package dev.spool.program.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Op;
import dev.spool.graph.internal.Source;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;
import dev.spool.ops.UnaryFn;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.ReduceFn;
import dev.spool.ops.internal.Unary;
import dev.spool.ops.internal.Where;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The versioned text form of a {@link Program}, what ahead-of-time artifacts store and other
 * backends read: {@link #write} and {@link #read} round-trip exactly (write → read → write gives
 * the same text, and the program read runs to the same bits). Unlike {@link ProgramPrinter}'s
 * human-oriented rendering, every field is written: a view as {@code b<buffer>+<offset>[shape]
 * s[strides]t[loop strides]}, a kernel with its expression graph on the same line, a constant
 * buffer with its values (floating-point values in Java's shortest exact decimal form).
 *
 * <pre>
 * spool-program 1
 * buffer 0 F32 6 feed "x"
 * feed "x" 0 F32 [2,3]
 * code
 * kernel [2,3] in b0+0[2,3]s[3,1]t[] out b1+0[2,3]s[3,1]t[] expr in0:F32[2,3] | %1=unary:TANH(%0) | out0=%1
 * end
 * result "y" F32 b1+0[2,3]s[3,1]t[]
 * </pre>
 *
 * <pre>{@code Program p = ProgramText.read(ProgramText.write(program));}</pre>
 */
public final class ProgramText {
    /** The format version this build writes and reads. */
    public static final int VERSION = 1;
    private static final String MAGIC = "spool-program";

    private ProgramText() {
    }

    public static String write(Program p) {
        StringBuilder sb = new StringBuilder(MAGIC).append(' ').append(VERSION).append('\n');
        for (Buffer b : p.buffers()) {
            sb.append("buffer ").append(b.id()).append(' ').append(b.dtype()).append(' ').append(b.elements()).append(b.feed() ? " feed " : " ")
                    .append(quote(b.name()));
            if (b.constant() != null) {
                sb.append(" constant ").append(ints(b.constant().shape())).append(' ').append(values(b.constant()));
            }
            sb.append('\n');
        }
        for (Program.Feed f : p.feeds()) {
            sb.append("feed ").append(quote(f.name())).append(' ').append(f.buffer()).append(' ').append(f.dtype()).append(' ').append(ints(f.shape()))
                    .append('\n');
        }
        if (p.layout() != null) {
            sb.append("layout ").append(p.layout().bytes()).append(' ').append(longs(p.layout().offsets())).append('\n');
        }
        sb.append("code\n");
        code(p.code(), "", sb);
        sb.append("end\n");
        for (Program.Result r : p.results()) {
            sb.append("result ").append(quote(r.name())).append(' ').append(r.dtype()).append(' ').append(view(r.view())).append('\n');
        }
        return sb.toString();
    }

    private static void code(List<Instr> code, String indent, StringBuilder sb) {
        for (Instr ins : code) {
            sb.append(indent);
            if (ins instanceof Instr.Loop l) {
                sb.append("loop ").append(l.level()).append(' ').append(l.length()).append(' ').append(l.reverse()).append(' ').append(quote(l.label()))
                        .append('\n');
                code(l.body(), indent + "  ", sb);
                sb.append(indent).append("end\n");
                continue;
            }
            sb.append(line(ins)).append('\n');
        }
    }

    private static String line(Instr ins) {
        return ins.accept(new Instr.Visitor<String>() {
            public String visit(Instr.Gemm g) {
                return "gemm " + g.dtype() + " " + view(g.a()) + " " + view(g.b()) + " " + view(g.c()) + " " + g.transA() + " " + g.transB() + " " + g.m()
                        + " " + g.n() + " " + g.k() + " " + g.beta() + " " + g.batch() + " " + g.batchStrideA() + " " + g.batchStrideB() + " "
                        + g.batchStrideC();
            }

            public String visit(Instr.Kernel k) {
                return "kernel " + ints(k.shape()) + " in " + views(k.inputs()) + " out " + views(k.outputs()) + " expr " + k.expression().text();
            }

            public String visit(Instr.Reduce r) {
                return "reduce " + r.fn() + " " + ints(r.axes()) + " " + view(r.in()) + " " + view(r.out());
            }

            public String visit(Instr.Softmax s) {
                return "softmax " + view(s.in()) + " " + view(s.out()) + " " + s.axis() + " " + s.log();
            }

            public String visit(Instr.CrossEntropy c) {
                return "cross_entropy " + view(c.logits()) + " " + view(c.targets()) + " " + view(c.out());
            }

            public String visit(Instr.CrossEntropyGrad c) {
                return "cross_entropy_grad " + view(c.logits()) + " " + view(c.targets()) + " " + view(c.scale()) + " " + view(c.out()) + " "
                        + optional(c.loss());
            }

            public String visit(Instr.LinearCrossEntropyGrad c) {
                return "linear_xent_grad " + view(c.h()) + " " + view(c.w()) + " " + optional(c.bias()) + " " + view(c.targets()) + " " + view(c.scale())
                        + " " + optional(c.loss()) + " " + optional(c.dh()) + " " + optional(c.dw()) + " " + optional(c.db());
            }

            public String visit(Instr.Gather g) {
                return "gather " + view(g.table()) + " " + view(g.indices()) + " " + view(g.out());
            }

            public String visit(Instr.ScatterAdd s) {
                return "scatter_add " + view(s.indices()) + " " + view(s.updates()) + " " + view(s.out());
            }

            public String visit(Instr.OneHot o) {
                return "one_hot " + view(o.indices()) + " " + view(o.out());
            }

            public String visit(Instr.Fill f) {
                return "fill " + view(f.out()) + " " + f.value();
            }

            public String visit(Instr.Iota i) {
                return "iota " + view(i.out()) + " " + i.axis();
            }

            public String visit(Instr.Copy c) {
                return "copy " + view(c.src()) + " " + view(c.dst());
            }

            public String visit(Instr.Loop l) {
                throw new IllegalStateException("loops are written by code()");
            }

            public String visit(Instr.MaskStep m) {
                return "mask_step " + m.level() + " " + view(m.active()) + " " + m.lengths() + " next " + views(m.next()) + " slots " + views(m.slots())
                        + " outputs " + views(m.outputs());
            }

            public String visit(Instr.CheckLengths c) {
                return "check_lengths " + view(c.lengths()) + " " + c.steps() + " " + quote(c.label());
            }

            public String visit(Instr.Fallback f) {
                if (!(f.node().op() instanceof MatMul mm)) {
                    throw new IllegalArgumentException("the text format has no form for a reference " + f.node().op().name() + " instruction");
                }
                String types = f.node().inputs().stream().map(v -> type(v.type())).collect(Collectors.joining(","));
                return "reference_matmul " + mm.transA() + " " + mm.transB() + " " + types + " " + type(f.node().outputs().get(0)) + " in "
                        + views(f.inputs()) + " out " + views(f.outputs());
            }
        });
    }

    // ---- values

    /** A view that may be absent ({@code -}). */
    private static String optional(View v) {
        return v == null ? "-" : view(v);
    }

    static String view(View v) {
        return "b" + v.buffer() + "+" + v.offset() + ints(v.shape()) + "s" + ints(v.strides()) + "t" + ints(v.loopStrides());
    }

    private static String views(List<View> vs) {
        return vs.size() + (vs.isEmpty() ? "" : " " + vs.stream().map(ProgramText::view).collect(Collectors.joining(" ")));
    }

    private static String ints(int[] a) {
        return Arrays.stream(a).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }

    private static String longs(long[] a) {
        return Arrays.stream(a).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
    }

    private static String type(TensorType t) {
        return t.dtype() + ints(t.shape().sizes());
    }

    private static String values(Tensor t) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < t.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(switch (t.dtype()) {
                case F32 -> Float.toString((float) t.getDouble(i));
                case F64 -> Double.toString(t.getDouble(i));
                case I32, I64, BOOL -> Long.toString(t.getLong(i));
            });
        }
        return sb.append(']').toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /**
     * A kernel's expression on one line: its inputs with types, its nodes by position
     * ({@code %3=binary:ADD(%1,%2)}), its results.
     */
    public static String expression(Graph expr) {
        Map<Integer, Integer> position = new LinkedHashMap<>();
        List<String> inputs = new ArrayList<>();
        List<String> nodes = new ArrayList<>();
        for (Node n : expr.nodes()) {
            int at = position.size();
            position.put(n.id(), at);
            if (n.op() instanceof Source s) {
                inputs.add(s.label() + ":" + type(s.type()));
            } else {
                String args = n.inputs().stream().map(v -> "%" + position.get(v.node())).collect(Collectors.joining(","));
                nodes.add("%" + at + "=" + op(n.op()) + "(" + args + ")");
            }
        }
        List<String> results = new ArrayList<>();
        for (int i = 0; i < expr.results().size(); i++) {
            results.add(expr.resultNames().get(i) + "=%" + position.get(expr.results().get(i).node()));
        }
        return String.join(" ", inputs) + " | " + String.join(" ", nodes) + " | " + String.join(" ", results);
    }

    private static String op(Op op) {
        if (op instanceof Unary u) {
            return "unary:" + u.fn();
        } else if (op instanceof Binary b) {
            return "binary:" + b.fn();
        } else if (op instanceof Compare c) {
            return "compare:" + c.fn();
        } else if (op instanceof Where) {
            return "where";
        } else if (op instanceof Cast c) {
            return "cast:" + c.to();
        } else if (op instanceof Fill f) {
            return "fill:" + f.value() + ":" + f.dtype() + ":" + ints(f.shape().sizes());
        } else if (op instanceof Constant c) {
            return "constant:" + c.value().dtype() + ":" + ints(c.value().shape()) + ":" + values(c.value());
        }
        throw new IllegalArgumentException("the text format has no form for " + op.name() + " inside a kernel");
    }

    // ---- reading

    /**
     * The program in {@code text}, as {@link #write} wrote it.
     *
     * @throws InvalidProgramException naming the line when the text is not a program of this version
     */
    public static Program read(String text) {
        return new ProgramTextReader(text).program();
    }

    static Op parseOp(String s) {
        String[] p = s.split(":", 4);
        return switch (p[0]) {
            case "unary" -> new Unary(UnaryFn.valueOf(p[1]));
            case "binary" -> new Binary(BinaryFn.valueOf(p[1]));
            case "compare" -> new Compare(CompareFn.valueOf(p[1]));
            case "where" -> new Where();
            case "cast" -> new Cast(DType.valueOf(p[1]));
            case "fill" -> new Fill(Double.parseDouble(p[1]), DType.valueOf(p[2]), Shape.of(parseInts(p[3])));
            case "constant" -> new Constant(parseTensor(DType.valueOf(p[1]), parseInts(p[2]), p[3]));
            default -> throw new IllegalArgumentException("unknown kernel op '" + p[0] + "'");
        };
    }

    static Graph parseExpression(String s) {
        String[] parts = s.split(" \\| ", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a kernel expression has inputs | nodes | results, got '" + s + "'");
        }
        Builder b = new Builder();
        List<Value> values = new ArrayList<>();
        for (String in : words(parts[0])) {
            int colon = in.indexOf(':');
            TensorType t = parseType(in.substring(colon + 1));
            values.add(b.input(in.substring(0, colon), t.dtype(), Arrays.stream(t.shape().sizes()).boxed().toArray()));
        }
        for (String node : words(parts[1])) {
            int eq = node.indexOf('=');
            int open = node.lastIndexOf('(');
            if (Integer.parseInt(node.substring(1, eq)) != values.size()) {
                throw new IllegalArgumentException("kernel node " + node + " is out of order");
            }
            String args = node.substring(open + 1, node.length() - 1);
            Value[] in = words(args.replace(',', ' ')).stream().map(a -> values.get(Integer.parseInt(a.substring(1)))).toArray(Value[]::new);
            Op op = parseOp(node.substring(eq + 1, open));
            values.add(op instanceof Constant c ? b.constant(c.value()) : b.apply1(op, in));
        }
        Map<String, Value> results = new LinkedHashMap<>();
        for (String r : words(parts[2])) {
            int eq = r.indexOf('=');
            results.put(r.substring(0, eq), values.get(Integer.parseInt(r.substring(eq + 2))));
        }
        return b.build(results);
    }

    static TensorType parseType(String s) {
        int open = s.indexOf('[');
        return new TensorType(DType.valueOf(s.substring(0, open)), Shape.of(parseInts(s.substring(open))));
    }

    static int[] parseInts(String s) {
        if (!s.startsWith("[") || !s.endsWith("]")) {
            throw new IllegalArgumentException("expected [a,b,...], got '" + s + "'");
        }
        String body = s.substring(1, s.length() - 1);
        return body.isEmpty() ? new int[0] : Arrays.stream(body.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    static long[] parseLongs(String s) {
        String body = s.substring(1, s.length() - 1);
        return body.isEmpty() ? new long[0] : Arrays.stream(body.split(",")).mapToLong(Long::parseLong).toArray();
    }

    static Tensor parseTensor(DType dtype, int[] shape, String s) {
        String body = s.substring(1, s.length() - 1);
        String[] v = body.isEmpty() ? new String[0] : body.split(",");
        Tensor t = Tensor.zeros(dtype, shape);
        if (v.length != t.size()) {
            throw new IllegalArgumentException("a constant of shape " + Arrays.toString(shape) + " needs " + t.size() + " values, got " + v.length);
        }
        for (int i = 0; i < v.length; i++) {
            switch (dtype) {
                case F32 -> t.setDouble(i, Float.parseFloat(v[i]));
                case F64 -> t.setDouble(i, Double.parseDouble(v[i]));
                default -> t.setLong(i, Long.parseLong(v[i]));
            }
        }
        return t;
    }

    static View parseView(String s) {
        // b<buffer>+<offset>[shape]s[strides]t[loop strides]
        int plus = s.indexOf('+');
        int shapeAt = s.indexOf('[');
        int strideAt = s.indexOf("]s[");
        int loopAt = s.indexOf("]t[");
        if (!s.startsWith("b") || plus < 0 || shapeAt < 0 || strideAt < 0 || loopAt < 0) {
            throw new IllegalArgumentException("expected a view b<buffer>+<offset>[shape]s[strides]t[loop strides], got '" + s + "'");
        }
        return new View(Integer.parseInt(s.substring(1, plus)), Integer.parseInt(s.substring(plus + 1, shapeAt)),
                parseInts(s.substring(shapeAt, strideAt + 1)), parseInts(s.substring(strideAt + 2, loopAt + 1)), parseInts(s.substring(loopAt + 2)));
    }

    static ReduceFn reduceFn(String s) {
        return ReduceFn.valueOf(s);
    }

    static Node fallbackNode(boolean transA, boolean transB, List<TensorType> inputs, TensorType out) {
        List<Value> ins = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            ins.add(new Value(-1 - i, 0, inputs.get(i)));
        }
        return new Node(0, new MatMul(transA, transB), ins, List.of(out));
    }

    /** Space-separated words (none for a blank string). */
    static List<String> words(String s) {
        String t = s.trim();
        return t.isEmpty() ? List.of() : List.of(t.split(" +"));
    }
}
