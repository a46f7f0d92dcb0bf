package dev.spool.backend.cpu.codegen;

import dev.spool.runtime.internal.cpu.FloatMath;
import dev.spool.runtime.internal.cpu.KernelLayout;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Source;
import dev.spool.graph.Value;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Primitive;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Java source for one elementwise kernel: the expression of a fused group over a collapsed
 * iteration space ({@link KernelLayout}). The innermost loop is a Vector API loop (F32 exp, tanh
 * and sigmoid by {@link FloatMath}'s vector form, so every JIT tier rounds alike) over the
 * contiguous operands, with broadcast operands hoisted per row and a scalar tail; everything else —
 * mixed dtypes, integer and boolean tensors, strided innermost operands, or a JVM without {@code
 * jdk.incubator.vector} — gets plain scalar loops. Each element's operands are all loaded before any
 * output is stored, so an output may overwrite an input read at the same index. The source depends
 * only on the expression, the dtypes, the access pattern and the vector width, never on sizes or
 * offsets (those arrive in the argument array), so it is shared across shapes.
 *
 * <p>Two code shapes keep the vector code allocation-free under JDK 17's C2 (an LSTM cell is some
 * 100 vector operations): every vector-valued call is cast to the exact vector class ({@link
 * FloatMath#exact}), and a body of more than {@link #SEGMENT_OPERATIONS} operations becomes segment
 * methods run in turn over blocks of rows of at most {@link #CHUNK} elements, the values crossing
 * segments kept in per-thread scratch slots (exact float copies, so the bits do not change). The
 * scratch is a heap array of the kernel's element type: through a direct {@code ByteBuffer} (the
 * arena's kind of memory) JDK 17 re-reads the buffer's address and bounds after every store, and the
 * GRU's two-sigmoid gate kernel took 16.8 ns per output vector with such a scratch, 13.6–14.2 with an
 * array, as fast as the same arithmetic in one loop without segments.
 *
 * <p>This class is the kernel's frame (loops, loads, stores, segments, scratch); each op's own code
 * comes from its template ({@link KernelTemplates}, {@link ElementwiseTemplate}).
 */
public final class KernelSource {
    /** The name of the one top-level class of every generated kernel (each lives in a class loader of its own). */
    static final String CLASS_NAME = "SpoolKernel";
    private final Graph expr;
    private final List<DType> operandTypes = new ArrayList<>();
    private final int[] innerStrides;
    private final int rank;
    private final int lanes;
    private final Map<Value, String> scalar = new HashMap<>();
    private final Map<Value, String> vector = new HashMap<>();
    /** The expression's operations in order, cut into segments of at most {@link #SEGMENT_OPERATIONS} vector operations. */
    private final List<List<Node>> segments;
    /** Scratch slot of each value computed in one segment and read in a later one (or a result of an earlier one). */
    private final Map<Value, Integer> slots = new LinkedHashMap<>();
    /**
     * Whether the scratch is an array of the kernel's element type: when every spilled value has it
     * (always, in the kernels fusion makes); else a direct buffer addressed in bytes.
     */
    private final boolean arrayScratch;
    /** The segment computing each operation's value. */
    private final Map<Value, Integer> definedIn = new HashMap<>();

    /**
     * Vector operations per segment method. C1 gives up on long Vector API methods ("out of virtual
     * registers": a GRU kernel of one tanh and seven other operations in 512-bit vectors, about 60
     * operations when tanh went through e^{2x}, already failed), and the method then never reaches
     * C2, since the tier policy waits for a C1 profile that never comes; so a long fused body is split
     * into methods of this size (a tanh is 15, a sigmoid about 20). C2's own budget, smaller, is
     * handled by {@code FloatMath.exact}.
     */
    static final int SEGMENT_OPERATIONS = 32;
    /** Elements per block of a segmented kernel: each spilled value has a block-sized scratch slot (1 KiB in F32, L1-resident). */
    public static final int CHUNK = 256;

    /**
     * @param lanes vector lanes for the innermost loop, or 0 for scalar code
     */
    private KernelSource(Graph expr, KernelLayout layout, int lanes) {
        this.expr = expr;
        for (Value p : expr.params()) {
            operandTypes.add(p.dtype());
        }
        for (Value r : expr.results()) {
            operandTypes.add(r.dtype());
        }
        this.rank = layout.rank();
        this.innerStrides = new int[operandTypes.size()];
        for (int k = 0; k < innerStrides.length; k++) {
            innerStrides[k] = layout.innerStride(k);
        }
        this.lanes = lanes;
        this.segments = lanes > 0 ? split(expr) : List.of(operations(expr));
        assignSlots();
        DType element = element();
        this.arrayScratch = (element == DType.F32 || element == DType.F64) && slots.keySet().stream().allMatch(v -> v.dtype() == element);
    }

    /** The expression's operations (every node but sources and constants), in order. */
    private static List<Node> operations(Graph expr) {
        return expr.nodes().stream().filter(n -> !(n.op() instanceof Source || n.op() instanceof Constant || n.op() instanceof Fill)).toList();
    }

    /** The operations cut greedily, in order, into segments of at most {@link #SEGMENT_OPERATIONS} vector operations (a larger single operation alone). */
    private static List<List<Node>> split(Graph expr) {
        List<List<Node>> result = new ArrayList<>();
        List<Node> current = new ArrayList<>();
        int cost = 0;
        for (Node n : operations(expr)) {
            String f = ElementwiseTemplate.floatMathFunction(n.op());
            int c = f != null ? FloatMath.vectorOperations(f) : 1;
            if (!current.isEmpty() && cost + c > SEGMENT_OPERATIONS) {
                result.add(current);
                current = new ArrayList<>();
                cost = 0;
            }
            current.add(n);
            cost += c;
        }
        result.add(current);
        return result;
    }

    /** Slots for the values that cross from one segment into a later one (masks excepted, see {@link #needs}). */
    private void assignSlots() {
        for (int s = 0; s < segments.size(); s++) {
            for (Node n : segments.get(s)) {
                definedIn.put(n.output(0), s);
            }
        }
        for (int s = 1; s < segments.size(); s++) {
            for (Value v : needs(s)) {
                Integer d = definedIn.get(v);
                if (d != null && d < s && !(expr.node(v.node()).op() instanceof Compare)) {
                    slots.putIfAbsent(v, slots.size());
                }
            }
        }
    }

    /**
     * The values segment s reads: its operations' operands, the operands of the comparisons of
     * earlier segments it uses (computed again, not spilled), and in the last segment the results.
     */
    private Set<Value> needs(int s) {
        // Insertion order, not hash order: a Value's hash includes its shape, and the source must not
        // depend on the sizes (an artifact finds a kernel by what its code depends on).
        Set<Value> needed = new LinkedHashSet<>();
        List<Value> todo = new ArrayList<>();
        segments.get(s).forEach(n -> todo.addAll(n.inputs()));
        if (s == segments.size() - 1) {
            todo.addAll(expr.results());
        }
        while (!todo.isEmpty()) {
            Value v = todo.remove(todo.size() - 1);
            if (needed.add(v) && expr.node(v.node()).op() instanceof Compare && !Integer.valueOf(s).equals(definedIn.get(v))) {
                todo.addAll(expr.node(v.node()).inputs());
            }
        }
        return needed;
    }

    private boolean segmented() {
        return segments.size() > 1;
    }

    /** Generated source and the vector width its innermost loop uses (0 for scalar code). */
    public record Code(String source, int lanes) {
    }

    /** The kernel for expr over layout, vectorised when possible and {@code maxFloatLanes} (F32 lanes) > 0. */
    public static Code generate(Graph expr, KernelLayout layout, int maxFloatLanes) {
        int lanes = 0;
        DType ft = vectorType(expr, layout);
        if (ft != null && maxFloatLanes > 0) {
            lanes = KernelLayout.lanes(layout.inner(), ft == DType.F32 ? maxFloatLanes : maxFloatLanes / 2);
        }
        return new Code(new KernelSource(expr, layout, lanes).source(), lanes);
    }

    /**
     * The float dtype of a kernel that can run on vectors: every operand and value of one float
     * dtype (booleans only as comparison masks feeding where), no casts, and every operand either
     * contiguous or broadcast along the innermost axis. Null otherwise.
     */
    static DType vectorType(Graph expr, KernelLayout layout) {
        DType ft = expr.results().get(0).dtype();
        if (!ft.isFloat()) {
            return null;
        }
        for (Value p : expr.params()) {
            if (p.dtype() != ft) {
                return null;
            }
        }
        for (Value r : expr.results()) {
            if (r.dtype() != ft) {
                return null;
            }
        }
        for (Node n : expr.nodes()) {
            for (var t : n.outputs()) {
                if (t.dtype() != ft && !(n.op() instanceof Compare)) {
                    return null;
                }
            }
        }
        for (Node n : operations(expr)) {
            if (!KernelTemplates.of(((Primitive) n.op()).code()).hasVectorForm(n, ft)) {
                return null;
            }
        }
        for (int k = 0; k < layout.strides().length; k++) {
            int s = layout.innerStride(k);
            if (s != 0 && s != 1) {
                return null;
            }
        }
        return ft;
    }

    /**
     * Whether F32 exp/tanh/sigmoid kernels use FloatMath's vector form (the default; {@code
     * -Dspool.vectorFloatMath=false} runs them as scalar loops, same bits, 2-3x slower).
     */
    public static final boolean VECTOR_FLOAT_MATH = !"false".equals(System.getProperty("spool.vectorFloatMath"));

    /** Whether the expression needs {@link FloatMath}'s vector constants. */
    private boolean usesFloatMath() {
        return expr.nodes().stream().anyMatch(n -> ElementwiseTemplate.floatMathFunction(n.op()) != null);
    }

    static String javaType(DType t) {
        return switch (t) {
            case F32 -> "float";
            case F64 -> "double";
            case I32 -> "int";
            case I64 -> "long";
            case BOOL -> "boolean";
        };
    }

    private static int shift(DType t) {
        return switch (t.byteSize()) {
            case 1 -> 0;
            case 4 -> 2;
            default -> 3;
        };
    }

    private String vectorClass() {
        return element() == DType.F32 ? "FloatVector" : "DoubleVector";
    }

    private String source() {
        StringBuilder sb = new StringBuilder();
        if (lanes > 0) {
            sb.append("import jdk.incubator.vector.*;\n");
        }
        sb.append("public final class ").append(CLASS_NAME).append(" implements dev.spool.runtime.internal.cpu.CpuKernel {\n");
        if (lanes > 0) {
            int bits = lanes * (element() == DType.F32 ? 32 : 64);
            sb.append("    private static final VectorSpecies S = ").append(vectorClass()).append(".SPECIES_").append(bits).append(";\n");
            sb.append("    private static final java.nio.ByteOrder LE = java.nio.ByteOrder.LITTLE_ENDIAN;\n");
            sb.append("    private static final Class VT = S.vectorType();\n");
            if (segmented()) {
                sb.append("    private static final ThreadLocal SCRATCH = new ThreadLocal();\n");
            }
            vectorConstants(sb);
            if (usesFloatMath()) {
                sb.append(FloatMath.vectorConstants("    ", "IntVector.SPECIES_" + bits));
            }
        }
        sb.append("    public void run(java.nio.ByteBuffer m, int[] a) {\n");
        int at = 0;
        for (int d = 0; d < rank; d++) {
            sb.append("        final int n").append(d).append(" = a[").append(at++).append("];\n");
        }
        for (int k = 0; k < operandTypes.size(); k++) {
            sb.append("        final int o").append(k).append(" = a[").append(at++).append("];\n");
            for (int d = 0; d < rank; d++) {
                sb.append("        final int s").append(k).append('_').append(d).append(" = a[").append(at++).append("];\n");
            }
        }
        constants(sb, "        ");
        if (segmented()) {
            // One scratch buffer per thread and kernel: a kernel may run on several threads at once.
            int elements = Math.max(1, slots.size()) * CHUNK;
            sb.append("        ").append(scratchType()).append(" sc = (").append(scratchType()).append(") SCRATCH.get();\n");
            sb.append("        if (sc == null) {\n");
            sb.append("            sc = ").append(arrayScratch
                    ? "new " + javaType(element()) + "[" + elements + "]"
                    : "java.nio.ByteBuffer.allocateDirect(" + elements * elementSize() + ").order(LE)").append(";\n");
            sb.append("            SCRATCH.set(sc);\n");
            sb.append("        }\n");
        }
        String indent = "        ";
        String base = "o";
        // A segmented kernel leaves its row loop to the segment methods (row blocks, see rowBlockLoop).
        int outer = segmented() ? rank - 2 : rank - 1;
        for (int d = 0; d < outer; d++) {
            sb.append(indent).append("for (int i").append(d).append(" = 0; i").append(d).append(" < n").append(d).append("; i").append(d)
                    .append("++) {\n");
            indent += "    ";
            for (int k = 0; k < operandTypes.size(); k++) {
                sb.append(indent).append("final int q").append(d).append('_').append(k).append(" = ").append(base).append(k)
                        .append(" + i").append(d).append(" * s").append(k).append('_').append(d).append(";\n");
            }
            base = "q" + d + "_";
        }
        if (segmented()) {
            rowBlockLoop(sb, indent, base);
        } else {
            for (int k = 0; k < operandTypes.size(); k++) {
                sb.append(indent).append("final int r").append(k).append(" = ").append(base).append(k).append(";\n");
            }
            innerLoops(sb, indent);
        }
        for (int d = outer - 1; d >= 0; d--) {
            sb.append("        ").append("    ".repeat(d)).append("}\n");
        }
        sb.append("    }\n");
        if (segmented()) {
            for (int s = 0; s < segments.size(); s++) {
                segmentMethod(sb, s);
            }
        }
        sb.append("}\n");
        return sb.toString();
    }

    /** Scalar constants, hoisted out of every loop. */
    private void constants(StringBuilder sb, String indent) {
        for (Node n : expr.nodes()) {
            Double value = constantValue(n);
            if (value == null) {
                continue;
            }
            Value v = n.output(0);
            String name = "c" + n.id();
            sb.append(indent).append("final ").append(javaType(v.dtype())).append(' ').append(name).append(" = ").append(literal(value, v.dtype())).append(";\n");
            scalar.put(v, name);
        }
    }

    /**
     * Vector constants (ONE, ZERO and the expression's float constants) as static final fields:
     * created once with the class, constants to C2, so a call never allocates them. (Broadcast in
     * {@code run}, a vector live across the loops is boxed once per call.)
     */
    private void vectorConstants(StringBuilder sb) {
        String vc = vectorClass();
        DType t = element();
        sb.append("    private static final ").append(vc).append(" ONE = ").append(vc).append(".broadcast(S, ").append(literal(1, t)).append(");\n");
        sb.append("    private static final ").append(vc).append(" ZERO = ").append(vc).append(".zero(S);\n");
        for (Node n : expr.nodes()) {
            Double value = constantValue(n);
            Value v = n.output(0);
            if (value == null || !v.dtype().isFloat()) {
                continue;
            }
            String name = "vc" + n.id();
            sb.append("    private static final ").append(vc).append(' ').append(name).append(" = ").append(vc).append(".broadcast(S, ")
                    .append(literal(value, v.dtype())).append(");\n");
            vector.put(v, name);
        }
    }

    /** The value of a Constant or Fill node, else null. */
    private static Double constantValue(Node n) {
        if (n.op() instanceof Constant c) {
            return c.value().getDouble(0);
        }
        if (n.op() instanceof Fill f) {
            return f.value();
        }
        return null;
    }

    static String literal(double v, DType t) {
        return switch (t) {
            case F32 -> Float.isNaN((float) v) ? "Float.NaN" : Float.isInfinite((float) v) ? (v > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY")
                    : Float.toString((float) v) + "f";
            case F64 -> Double.isNaN(v) ? "Double.NaN" : Double.isInfinite(v) ? (v > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY")
                    : Double.toString(v);
            case I32 -> Integer.toString((int) v);
            case I64 -> Long.toString((long) v) + "L";
            case BOOL -> v != 0 ? "true" : "false";
        };
    }

    private void innerLoops(StringBuilder sb, String indent) {
        int inputs = expr.params().size();
        String n = "n" + (rank - 1);
        broadcasts(sb, indent, 0);
        sb.append(indent).append("int j = 0;\n");
        if (lanes > 0) {
            sb.append(indent).append("for (final int bound = ").append(n).append(" - ").append(n).append(" % ").append(lanes).append("; j < bound; j += ")
                    .append(lanes).append(") {\n");
            body(sb, indent + "    ", true, 0);
            sb.append(indent).append("}\n");
        }
        sb.append(indent).append("for (; j < ").append(n).append("; j++) {\n");
        body(sb, indent + "    ", false, 0);
        sb.append(indent).append("}\n");
    }

    /**
     * A segmented kernel's rows, in blocks: every segment method in turn over a block of rows and a
     * chunk of their elements, at most {@link #CHUNK} elements in all. A row of at least CHUNK
     * elements is a block of its own, cut into chunks; shorter rows go CHUNK / n to a block, so a
     * call covers a chunk's worth of elements however short the rows (an RNN's 32-wide rows made
     * one call per segment and row, which cost more than the arithmetic). The order of elements
     * does not change any value: each is computed alone.
     */
    private void rowBlockLoop(StringBuilder sb, String indent, String base) {
        String n = "n" + (rank - 1);
        String rows = rank >= 2 ? "n" + (rank - 2) : "1";
        sb.append(indent).append("final int rb = ").append(n).append(" >= ").append(CHUNK).append(" ? 1 : ").append(CHUNK).append(" / Math.max(1, ")
                .append(n).append(");\n");
        sb.append(indent).append("for (int i = 0; i < ").append(rows).append("; i += rb) {\n");
        sb.append(indent).append("    final int ie = Math.min(").append(rows).append(", i + rb);\n");
        sb.append(indent).append("    for (int c = 0; c < ").append(n).append("; c += ").append(CHUNK).append(") {\n");
        sb.append(indent).append("        final int e = Math.min(").append(n).append(", c + ").append(CHUNK).append(");\n");
        StringBuilder args = new StringBuilder("m, sc");
        for (int k = 0; k < operandTypes.size(); k++) {
            args.append(", ").append(base).append(k);
        }
        for (int k = 0; k < operandTypes.size(); k++) {
            args.append(", ").append(rank >= 2 ? "s" + k + "_" + (rank - 2) : "0");
        }
        for (int s = 0; s < segments.size(); s++) {
            sb.append(indent).append("        seg").append(s).append('(').append(args).append(", i, ie, c, e);\n");
        }
        sb.append(indent).append("    }\n");
        sb.append(indent).append("}\n");
    }

    /**
     * Segment s as a method over rows [i0, i1) and their elements [c, e): per row, its operations on
     * vectors and then a scalar tail, reading the operands it uses from the row and the values of
     * earlier segments from their scratch slots (row after row, (e - c) elements each), and writing
     * the values later segments read to theirs; only the last segment stores outputs, so every input
     * is still read before any output at its index is written.
     */
    private void segmentMethod(StringBuilder sb, int s) {
        sb.append("    private static void seg").append(s).append("(java.nio.ByteBuffer m, ").append(scratchType()).append(" sc");
        for (int k = 0; k < operandTypes.size(); k++) {
            sb.append(", int p").append(k);
        }
        for (int k = 0; k < operandTypes.size(); k++) {
            sb.append(", int t").append(k);
        }
        sb.append(", int i0, int i1, int c, int e) {\n");
        String indent = "        ";
        constants(sb, indent);
        sb.append(indent).append("for (int i = i0; i < i1; i++) {\n");
        String row = indent + "    ";
        for (int k = 0; k < operandTypes.size(); k++) {
            sb.append(row).append("final int r").append(k).append(" = p").append(k).append(" + i * t").append(k).append(";\n");
        }
        sb.append(row).append("final int so = (i - i0) * (e - c) - c;\n");
        broadcasts(sb, row, s);
        sb.append(row).append("int j = c;\n");
        sb.append(row).append("for (final int bound = e - (e - c) % ").append(lanes).append("; j < bound; j += ").append(lanes).append(") {\n");
        body(sb, row + "    ", true, s);
        sb.append(row).append("}\n");
        sb.append(row).append("for (; j < e; j++) {\n");
        body(sb, row + "    ", false, s);
        sb.append(row).append("}\n");
        sb.append(indent).append("}\n");
        sb.append("    }\n");
    }

    /** Whether segment s reads operand k (every operand when the kernel is one segment). */
    private boolean reads(int s, int k) {
        return !segmented() || needs(s).contains(expr.params().get(k));
    }

    /** Broadcast operands segment s reads: one value per row. */
    private void broadcasts(StringBuilder sb, String indent, int s) {
        for (int k = 0; k < expr.params().size(); k++) {
            if (innerStrides[k] == 0 && reads(s, k)) {
                DType t = operandTypes.get(k);
                sb.append(indent).append("final ").append(javaType(t)).append(" b").append(k).append(" = ").append(load(t, "r" + k)).append(";\n");
                if (lanes > 0) {
                    sb.append(indent).append("final ").append(vectorClass()).append(" vb").append(k).append(" = ").append(vectorClass())
                            .append(".broadcast(S, b").append(k).append(");\n");
                }
            }
        }
    }

    private String address(int k) {
        int s = innerStrides[k];
        if (s == 0) {
            return "r" + k;
        }
        if (segmented()) {
            return vectorAddress(k); // vector kernels: contiguous
        }
        String inner = "s" + k + "_" + (rank - 1);
        return "r" + k + " + j * " + inner;
    }

    private String vectorAddress(int k) {
        return "r" + k + " + (j << " + shift(operandTypes.get(k)) + ")";
    }

    private static String load(DType t, String addr) {
        return switch (t) {
            case F32 -> "m.getFloat(" + addr + ")";
            case F64 -> "m.getDouble(" + addr + ")";
            case I32 -> "m.getInt(" + addr + ")";
            case I64 -> "m.getLong(" + addr + ")";
            case BOOL -> "(m.get(" + addr + ") != 0)";
        };
    }

    private static String store(DType t, String addr, String v) {
        return switch (t) {
            case F32 -> "m.putFloat(" + addr + ", " + v + ");";
            case F64 -> "m.putDouble(" + addr + ", " + v + ");";
            case I32 -> "m.putInt(" + addr + ", " + v + ");";
            case I64 -> "m.putLong(" + addr + ", " + v + ");";
            case BOOL -> "m.put(" + addr + ", (byte) (" + v + " ? 1 : 0));";
        };
    }

    /**
     * One element (or one vector of elements) of segment s: load the operands and earlier values it
     * reads, compute its operations, then store the values later segments read to their scratch
     * slots, or, in the last segment, every output.
     */
    private void body(StringBuilder sb, String indent, boolean vec, int s) {
        Map<Value, String> local = new HashMap<>(vec ? vector : scalar);
        int inputs = expr.params().size();
        for (int k = 0; k < inputs; k++) {
            Value p = expr.params().get(k);
            DType t = p.dtype();
            String name = (vec ? "v" : "x") + "p" + k;
            if (!reads(s, k)) {
                continue;
            }
            if (innerStrides[k] == 0) {
                local.put(p, vec ? "vb" + k : "b" + k);
                continue;
            }
            if (vec) {
                sb.append(indent).append("final ").append(vectorClass()).append(' ').append(name).append(" = ")
                        .append(exact(vectorClass() + ".fromByteBuffer(S, m, " + vectorAddress(k) + ", LE)")).append(";\n");
            } else {
                sb.append(indent).append("final ").append(javaType(t)).append(' ').append(name).append(" = ").append(load(t, address(k))).append(";\n");
            }
            local.put(p, name);
        }
        Set<Value> needed = needs(s);
        for (Map.Entry<Value, Integer> slot : slots.entrySet()) {
            Value v = slot.getKey();
            if (definedIn.get(v) < s && needed.contains(v)) {
                String name = (vec ? "v" : "x") + v.node();
                String at = scratchAddress(slot.getValue());
                String value;
                if (arrayScratch) {
                    value = vec ? exact(vectorClass() + ".fromArray(S, sc, " + at + ")") : "sc[" + at + "]";
                } else {
                    value = vec ? exact(vectorClass() + ".fromByteBuffer(S, sc, " + at + ", LE)") : load(v.dtype(), at).replace("m.", "sc.");
                }
                sb.append(indent).append("final ").append(vec ? vectorClass() : javaType(v.dtype())).append(' ').append(name).append(" = ").append(value).append(";\n");
                local.put(v, name);
            }
        }
        for (Node node : segments.get(s)) {
            operation(sb, indent, vec, node, local);
        }
        if (s < segments.size() - 1) {
            for (Map.Entry<Value, Integer> slot : slots.entrySet()) {
                if (definedIn.get(slot.getKey()) == s) {
                    String v = local.get(slot.getKey());
                    String at = scratchAddress(slot.getValue());
                    String spill;
                    if (arrayScratch) {
                        spill = vec ? v + ".intoArray(sc, " + at + ");" : "sc[" + at + "] = " + v + ";";
                    } else {
                        spill = vec ? v + ".intoByteBuffer(sc, " + at + ", LE);" : store(slot.getKey().dtype(), at, v).replace("m.", "sc.");
                    }
                    sb.append(indent).append(spill).append("\n");
                }
            }
            return;
        }
        for (int r = 0; r < expr.results().size(); r++) {
            int k = inputs + r;
            String v = local.get(expr.results().get(r));
            if (vec) {
                sb.append(indent).append(v).append(".intoByteBuffer(m, ").append(vectorAddress(k)).append(", LE);\n");
            } else {
                sb.append(indent).append(store(operandTypes.get(k), address(k), v)).append("\n");
            }
        }
    }

    /**
     * One operation into {@code local}; a comparison of an earlier segment is computed again here
     * (masks are not spilled: its float operands are).
     */
    private void operation(StringBuilder sb, String indent, boolean vec, Node node, Map<Value, String> local) {
        for (Value in : node.inputs()) {
            if (!local.containsKey(in) && expr.node(in.node()).op() instanceof Compare) {
                operation(sb, indent, vec, expr.node(in.node()), local);
            }
        }
        Value v = node.output(0);
        String name = (vec ? "v" : "x") + node.id();
        List<String> args = node.inputs().stream().map(local::get).toList();
        Primitive p = (Primitive) node.op();
        ElementwiseTemplate template = KernelTemplates.of(p.code());
        String floatMath = ElementwiseTemplate.floatMathFunction(p);
        if (vec && floatMath != null) {
            sb.append(FloatMath.vectorStatements(floatMath, name, args.get(0), indent));
        } else if (vec) {
            String type = p instanceof Compare ? "VectorMask" : vectorClass();
            sb.append(indent).append("final ").append(type).append(' ').append(name).append(" = ").append(template.vector(p, args, this::exact)).append(";\n");
        } else {
            sb.append(indent).append("final ").append(javaType(v.dtype())).append(' ').append(name).append(" = ")
                    .append(template.scalar(p, node.inputs().get(0).dtype(), v.dtype(), args)).append(";\n");
        }
        local.put(v, name);
    }

    /** Index (array scratch) or byte address (buffer scratch) of the current element, or vector, in a scratch slot. */
    private String scratchAddress(int slot) {
        if (arrayScratch) {
            return slot * CHUNK + " + (so + j)";
        }
        return slot * CHUNK * elementSize() + " + ((so + j) << " + shift(element()) + ")";
    }

    /** The scratch's Java type (see {@link #arrayScratch}). */
    private String scratchType() {
        return arrayScratch ? javaType(element()) + "[]" : "java.nio.ByteBuffer";
    }

    private int elementSize() {
        return element().byteSize();
    }

    /** The kernel's element type: its last operand's (an output's), what its vectors and scratch hold. */
    private DType element() {
        return operandTypes.get(operandTypes.size() - 1);
    }

    /** A vector-valued call cast to the kernel's exact vector class; see {@code FloatMath.exact}. */
    private String exact(String call) {
        return "((" + vectorClass() + ") VT.cast(" + call + "))";
    }
}
