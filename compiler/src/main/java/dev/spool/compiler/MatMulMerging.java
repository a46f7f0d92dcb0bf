package dev.spool.compiler;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.ops.internal.rewrite.Replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the matmuls of a scan body that multiply the same left operand by different loop
 * invariants into one matmul by the invariants concatenated along their output axis, whose column
 * slices replace the originals. A cell written gate by gate ({@code h·W_hr}, {@code h·W_hz},
 * {@code h·W_hn}) then makes one recurrent GEMM of n = 3H per step, as the built-in cell's combined
 * weight does, instead of three of n = H: one hand-over between the cores and one pass over
 * {@code h} instead of three. The concatenation reads only invariants, so push-out computes it once
 * before the loop; the same rewrite of the per-step input projections becomes one batched GEMM (or
 * one gather) after push-out. Each output element is the same dot product as before (Spool's packed
 * in-loop GEMM computes it as the same chain of multiply-adds whatever n is; OpenBLAS, which serves
 * the batched input projections, may block a wider product differently, so results agree to
 * rounding).
 *
 * <pre>
 * scan body:  a = matmul(h, W_r)  b = matmul(h, W_z)      ⇒   w = concat[1](W_r, W_z)   y = matmul(h, w)
 *                                                              a = slice[1](y, 0, H)   b = slice[1](y, H, 2H)
 * </pre>
 */
public final class MatMulMerging implements Pass {
    @Override
    public String name() {
        return "merge-matmuls";
    }

    @Override
    public Graph run(Graph graph) {
        return Replay.rewrite(graph, (b, g, env) -> Replay.graph(b, g, env, Replay.scanWith(b, this::body)));
    }

    /** Emits a scan body with its mergeable matmuls merged (nested scans' bodies too). */
    private void body(Builder b, Graph body, Map<Key, Value> env) {
        Map<Node, List<Node>> groups = groups(body);
        for (Node n : body.nodes()) {
            List<Node> group = groups.get(n);
            if (group != null) {
                merge(b, group, env);
            }
            Replay.node(b, n, env, Replay.scanWith(b, this::body));
        }
    }

    /**
     * The groups of two or more matmuls with the same left operand, flags and dtype whose right
     * operands are distinct invariants of the body, keyed by their first member (where the merged
     * matmul is emitted: all its operands exist there).
     */
    static Map<Node, List<Node>> groups(Graph body) {
        Map<List<Object>, List<Node>> byKey = new LinkedHashMap<>();
        for (Node n : body.nodes()) {
            if (n.op() instanceof MatMul mm && !mm.transA() && mergeable(body, n)) {
                Value left = n.inputs().get(0);
                Value right = n.inputs().get(1);
                List<Object> key = List.of(left, mm.transB(), right.type().dtype(), inner(right.type(), mm.transB()));
                List<Node> members = byKey.computeIfAbsent(key, k -> new ArrayList<>());
                if (members.stream().noneMatch(m -> m.inputs().get(1).equals(right))) {
                    members.add(n);
                }
            }
        }
        Map<Node, List<Node>> groups = new LinkedHashMap<>();
        for (List<Node> members : byKey.values()) {
            if (members.size() >= 2) {
                groups.put(members.get(0), members);
            }
        }
        return groups;
    }

    /** A rank-2 product whose right operand is an invariant of the body with fixed sizes. */
    private static boolean mergeable(Graph body, Node n) {
        Value left = n.inputs().get(0);
        Value right = n.inputs().get(1);
        if (left.type().rank() != 2 || right.type().rank() != 2 || !right.type().shape().isFixed()) {
            return false;
        }
        Node producer = body.node(right.node());
        return producer.op() instanceof Source s && s.kind() == Source.Kind.INVARIANT;
    }

    /** The contracted size of the right operand: its rows, or its columns when transposed. */
    private static Dim inner(TensorType right, boolean transB) {
        return right.shape().dim(transB ? 1 : 0);
    }

    private static int outputs(TensorType right, boolean transB) {
        return right.shape().sizes()[transB ? 0 : 1];
    }

    /** Emits {@code matmul(left, concat(rights))} and binds each member to its column slice of it. */
    private static void merge(Builder b, List<Node> group, Map<Key, Value> env) {
        boolean transB = ((MatMul) group.get(0).op()).transB();
        Value left = env.get(Key.Orig.of(group.get(0).inputs().get(0)));
        List<Value> rights = group.stream().map(n -> env.get(Key.Orig.of(n.inputs().get(1)))).toList();
        Value product = b.matmul(left, b.concat(transB ? 0 : 1, rights), false, transB);
        int at = 0;
        for (Node n : group) {
            int width = outputs(n.inputs().get(1).type(), transB);
            env.put(new Key.Orig(n.id(), 0), b.slice(product, 1, at, at + width));
            at += width;
        }
    }
}
