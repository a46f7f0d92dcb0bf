package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A group of elementwise ops computed in one pass over its output shape, formed by elementwise
 * fusion after autodiff. The body is a self-contained graph: its params are {@code input} sources
 * standing for the operands (which broadcast as numpy does), its nodes are elementwise primitives,
 * scalar constants and fills, and its results (one or more) all have the group's output shape.
 *
 * <pre>
 * %9 = fused[tanh(add(in0, in1))] %7, %8 : F32(B, 4)
 * </pre>
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to generated kernels)
 * {@code dev.spool.compiler.lower.ElementwiseLowering#KERNEL}; reference semantics
 * {@code dev.spool.backend.cpu.reference.ElementwiseReference#FUSED}; kernel code: its body's ops'
 * templates.
 */
public record Fused(Graph body) implements Primitive {

    public Fused {
        if (body.results().isEmpty()) {
            throw new IllegalArgumentException("a fused group needs at least one result");
        }
        for (Node n : body.nodes()) {
            boolean ok = n.op() instanceof Source || n.op() instanceof dev.spool.graph.internal.Constant
                    || n.op() instanceof Primitive p && (p.kind() == OpKind.ELEMENTWISE || p.code() == OpCode.FILL);
            if (!ok || n.op() instanceof Fused) {
                throw new IllegalArgumentException("a fused group holds only elementwise ops, constants and fills, not " + n.label());
            }
        }
    }

    @Override
    public OpCode code() {
        return OpCode.FUSED;
    }

    @Override
    public String name() {
        return "fused";
    }

    /**
     * The group as nested expressions, e.g. {@code tanh(add(in0, in1))} (several results separated
     * by "; "), or for a large group a count of its ops, e.g. {@code 13 ops (sigmoid×3, tanh×2, …) → 7 outputs}.
     */
    @Override
    public String attributes() {
        List<String> out = new ArrayList<>();
        for (Value r : body.results()) {
            out.add(expression(r, 0));
        }
        String full = String.join("; ", out);
        if (full.length() <= 100) {
            return full;
        }
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        int ops = 0;
        for (Node n : body.nodes()) {
            if (n.op() instanceof Primitive p && p.code() != OpCode.FILL) {
                counts.merge(n.op().name(), 1, Integer::sum);
                ops++;
            }
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((name, c) -> parts.add(c == 1 ? name : name + "×" + c));
        return ops + " ops (" + String.join(", ", parts) + ") → " + body.results().size() + " output" + (body.results().size() == 1 ? "" : "s");
    }

    private String expression(Value v, int depth) {
        Node n = body.node(v.node());
        if (n.op() instanceof Source s) {
            return s.label();
        }
        if (n.op() instanceof dev.spool.graph.internal.Constant c) {
            return c.value().size() == 1 ? Double.toString(c.value().getDouble(0)) : "const";
        }
        if (n.op() instanceof Fill f) {
            return Double.toString(f.value());
        }
        if (depth > 12) {
            return "…";
        }
        List<String> args = new ArrayList<>();
        for (Value in : n.inputs()) {
            args.add(expression(in, depth + 1));
        }
        return n.op().name() + "(" + String.join(", ", args) + ")";
    }

    @Override
    public List<Graph> subgraphs() {
        return List.of(body);
    }

    @Override
    public Fused mapDims(UnaryOperator<Dim> f) {
        return new Fused(body.mapDims(f));
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, body.params().size());
        for (int i = 0; i < in.size(); i++) {
            TensorType param = body.params().get(i).type();
            TensorType given = in.get(i);
            boolean same = given.dtype() == param.dtype() && given.rank() == param.rank();
            for (int a = 0; same && a < given.rank(); a++) {
                same = dims.tryUnify(given.shape().dim(a), param.shape().dim(a));
            }
            if (!same) {
                throw new ShapeException("fused: operand " + i + " is " + given + " but the group expects " + param);
            }
        }
        return body.results().stream().map(r -> dims.resolve(r.type())).toList();
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cotangents) {
        throw new UnsupportedOperationException("fused groups are formed after autodiff and have no gradient rule");
    }
}
