package dev.spool.program.internal;

import dev.spool.graph.Graph;

import java.util.Objects;

/**
 * A kernel's elementwise expression, as a graph (what the compiler fuses and generates code from) or
 * as its text in a program ({@link ProgramText#expression}), each made from the other when first
 * asked for. Reading a program keeps the text and builds no graph: a runtime that serves a
 * compiled artifact needs only the text (its kernels' keys) and the count of operations, and
 * building the graphs (shape inference through the op rules) loaded and linked classes for
 * 100–160 ms of an artifact's first run.
 *
 * <pre>{@code
 * KernelExpression e = KernelExpression.parse("in0:F32[4] | %1=unary:TANH(%0) | out0=%1");
 * e.operations();   // 1
 * e.graph();        // built now
 * }</pre>
 */
public final class KernelExpression {
    private volatile Graph graph;
    private volatile String text;
    private final int operations;

    private KernelExpression(Graph graph, String text, int operations) {
        this.graph = graph;
        this.text = text;
        this.operations = operations;
    }

    /** The expression of this graph. */
    public static KernelExpression of(Graph graph) {
        Objects.requireNonNull(graph, "graph");
        int ops = (int) graph.nodes().stream().filter(n -> !(n.op() instanceof dev.spool.graph.internal.Source)).count();
        return new KernelExpression(graph, null, ops);
    }

    /**
     * The expression written as {@code text}; its form ({@code inputs | nodes | results}, nodes
     * numbered in order, results naming nodes) is checked now, its ops when the graph is built.
     *
     * @throws IllegalArgumentException naming what is malformed
     */
    public static KernelExpression parse(String text) {
        String[] parts = text.split(" \\| ", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a kernel expression has inputs | nodes | results, got '" + text + "'");
        }
        int values = ProgramText.words(parts[0]).size();
        int ops = 0;
        for (String node : ProgramText.words(parts[1])) {
            int eq = node.indexOf('=');
            int open = node.lastIndexOf('(');
            if (!node.startsWith("%") || eq < 0 || open < eq || !node.endsWith(")") || !(node.substring(1, eq)).equals(Integer.toString(values))) {
                throw new IllegalArgumentException("kernel node " + node + " is malformed or out of order");
            }
            values++;
            ops++;
        }
        for (String r : ProgramText.words(parts[2])) {
            int eq = r.indexOf("=%");
            if (eq < 0) {
                throw new IllegalArgumentException("kernel result " + r + " is malformed");
            }
            int v = Integer.parseInt(r.substring(eq + 2));
            if (v < 0 || v >= values) {
                throw new IllegalArgumentException("kernel result " + r + " names no value");
            }
        }
        return new KernelExpression(null, text, ops);
    }

    /** The graph, built from the text the first time it is asked for. */
    public Graph graph() {
        Graph g = graph;
        if (g == null) {
            g = ProgramText.parseExpression(text);
            graph = g;
        }
        return g;
    }

    /** The text, as a program writes it. */
    public String text() {
        String t = text;
        if (t == null) {
            t = ProgramText.expression(graph);
            text = t;
        }
        return t;
    }

    /** Operations per element: the nodes that are not inputs (a constant counts, as in the graph). */
    public int operations() {
        return operations;
    }

    /** Equal when the texts are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof KernelExpression e && text().equals(e.text());
    }

    @Override
    public int hashCode() {
        return text().hashCode();
    }

    @Override
    public String toString() {
        return text();
    }
}
