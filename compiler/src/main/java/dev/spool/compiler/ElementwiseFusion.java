package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.Shape;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Fused;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.OpKind;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Slice;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.ops.internal.rewrite.Replay;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Elementwise fusion: maximal groups of elementwise ops with one output shape become one
 * {@link Fused} node, so the backend runs each group as a single kernel that reads its operands
 * once and writes only the values used outside the group. The LSTM cell (three sigmoids, two tanh,
 * the products and sums, and the residuals its backward scan stacks) becomes one pass over (B, H),
 * and so does its gradient. Applies to the top level and to every scan body; runs after autodiff.
 *
 * <p>First, an elementwise op used only through slices — the gate pre-activations
 * {@code x W_ihᵀ + h W_hhᵀ + b}, cut into gates — is split into one op per slice on sliced operands
 * (repeated until nothing splits); slices are views, so the (B, 4H) sum never needs to exist. Then
 * nodes are grouped greedily in topological order: a node joins, and merges, the groups of its
 * same-shape elementwise producers unless a path would leave a group and re-enter it. Scalar
 * constants and fills a group uses are copied in as literals. Lone ops are left as they are.
 */
public final class ElementwiseFusion implements Pass {
    private static final int MAX_SPLIT_ROUNDS = 8;

    @Override
    public String name() {
        return "fusion";
    }

    @Override
    public Graph run(Graph graph) {
        Graph g = graph;
        for (int round = 0; round < MAX_SPLIT_ROUNDS; round++) {
            boolean[] changed = {false};
            Graph next = Replay.rewrite(g, (b, scope, env) -> splitScope(b, scope, env, changed));
            g = next;
            if (!changed[0]) {
                break;
            }
        }
        return Replay.rewrite(g, ElementwiseFusion::fuseScope);
    }

    // Slice splitting -----------------------------------------------------------------------------

    private static void splitScope(Builder b, Graph g, Map<Key, Value> env, boolean[] changed) {
        Map<Key, List<Node>> consumers = consumers(g);
        Set<Key> results = keys(g.results());
        Replay.ScanEmitter scans = Replay.scanWith(b, (bb, body, benv) -> splitScope(bb, body, benv, changed));
        for (Node n : g.nodes()) {
            if (n.op() instanceof Slice s && splittable(g.node(n.inputs().get(0).node()), consumers, results)) {
                env.put(new Key.Orig(n.id(), 0), sliceOf(b, g.node(n.inputs().get(0).node()), s, env));
                changed[0] = true;
            } else if (!splittable(n, consumers, results)) {
                Replay.node(b, n, env, scans);
            }
        }
    }

    private static boolean splittable(Node n, Map<Key, List<Node>> consumers, Set<Key> results) {
        if (!fusible(n)) {
            return false;
        }
        Key k = new Key.Orig(n.id(), 0);
        List<Node> users = consumers.get(k);
        return users != null && !results.contains(k) && users.stream().allMatch(u -> u.op() instanceof Slice);
    }

    /** The slice {@code s} of the elementwise node n, computed on slices of its operands. */
    private static Value sliceOf(Builder b, Node n, Slice s, Map<Key, Value> env) {
        int rank = n.outputs().get(0).rank();
        int axis = Math.floorMod(s.axis(), rank);
        Value[] ins = new Value[n.inputs().size()];
        for (int i = 0; i < ins.length; i++) {
            Value in = n.inputs().get(i);
            int a = axis - (rank - in.type().rank());
            Value outer = env.get(Key.Orig.of(in));
            boolean broadcast = a < 0 || in.type().shape().dim(a).isFixed() && in.type().shape().dim(a).size() == 1;
            ins[i] = broadcast ? outer : b.slice(outer, a, s.start(), s.end());
        }
        return b.apply1(n.op(), ins);
    }

    // Grouping ------------------------------------------------------------------------------------

    private static boolean fusible(Node n) {
        return n.op() instanceof Primitive p && p.kind() == OpKind.ELEMENTWISE && p.code() != OpCode.FUSED && n.outputs().size() == 1;
    }

    /**
     * For each node index of g, the index of its group's representative, or -1 for nodes outside any
     * group. {@code deps[i]} holds the group representatives node i depends on through any path;
     * {@code outside[r]} those that group r's members reach only through nodes outside the group. A
     * node may merge groups that are not reachable from each other from outside.
     */
    static int[] group(Graph g) {
        List<Node> nodes = g.nodes();
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).id(), i);
        }
        int[] parent = new int[nodes.size()];
        BitSet[] deps = new BitSet[nodes.size()];
        BitSet[] outside = new BitSet[nodes.size()];
        boolean[] member = new boolean[nodes.size()];
        Map<Integer, List<Integer>> members = new HashMap<>();
        List<List<Integer>> consumers = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            consumers.add(new ArrayList<>());
            for (Value in : nodes.get(i).inputs()) {
                consumers.get(index.get(in.node())).add(i);
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            parent[i] = i;
            outside[i] = new BitSet();
            Node n = nodes.get(i);
            deps[i] = new BitSet();
            Shape shape = fusible(n) ? n.outputs().get(0).shape() : null;
            // What each input brings: the groups it depends on, plus its own group.
            List<BitSet> reach = new ArrayList<>();
            BitSet merge = new BitSet();
            for (Value in : n.inputs()) {
                int j = index.get(in.node());
                BitSet r = roots(deps[j], parent);
                if (member[j]) {
                    r.set(find(j, parent));
                    if (shape != null && shape.equals(nodes.get(j).outputs().get(0).shape())) {
                        merge.set(find(j, parent));
                    }
                }
                deps[i].or(r);
                reach.add(r);
            }
            if (shape == null) {
                continue;
            }
            // A candidate group reachable from outside the merge (through an input that is not merged,
            // or from another candidate through an outside path) stays apart; excluding it makes what
            // it depends on reachable from outside too, so this repeats until nothing changes. Of two
            // candidates joined by an outside path the upstream one is excluded: the downstream one can
            // still be merged (it waits for the path anyway), while excluding it would exclude both.
            BitSet external = new BitSet();
            for (boolean changed = true; changed; ) {
                changed = false;
                external.clear();
                for (int k = 0; k < n.inputs().size(); k++) {
                    int j = index.get(n.inputs().get(k).node());
                    if (!member[j] || !merge.get(find(j, parent))) {
                        external.or(reach.get(k));
                    }
                }
                BitSet downstreamReach = new BitSet();
                for (int r = merge.nextSetBit(0); r >= 0; r = merge.nextSetBit(r + 1)) {
                    BitSet out = roots(outside[r], parent);
                    out.clear(r);
                    downstreamReach.or(out);
                }
                for (int r = merge.nextSetBit(0); r >= 0; r = merge.nextSetBit(r + 1)) {
                    if (external.get(r) || downstreamReach.get(r)) {
                        merge.clear(r);
                        changed = true;
                    }
                }
            }
            // The reachability summaries above are conservative only along the paths they track; a path
            // through another group's members can still leave the merge and re-enter it. Keep only the
            // candidates whose merge provably leaves the graph of groups acyclic (a topological cut).
            BitSet safe = acyclicSubset(i, merge, member, parent, members, consumers);
            if (!safe.equals(merge)) {
                merge = safe;
                external.clear();
                for (int k = 0; k < n.inputs().size(); k++) {
                    int j = index.get(n.inputs().get(k).node());
                    if (!member[j] || !merge.get(find(j, parent))) {
                        external.or(reach.get(k));
                    }
                }
            }
            member[i] = true;
            outside[i].or(external);
            List<Integer> mine = new ArrayList<>(List.of(i));
            for (int r = merge.nextSetBit(0); r >= 0; r = merge.nextSetBit(r + 1)) {
                parent[r] = i;
                outside[i].or(outside[r]);
                mine.addAll(members.remove(r));
            }
            members.put(i, mine);
            deps[i].andNot(merge);
        }
        int[] out = new int[nodes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = member[i] ? find(i, parent) : -1;
        }
        return out;
    }

    /**
     * The candidates of {@code merge}, taken greedily in order, whose merge with node i (and the
     * candidates kept before) creates no cycle among groups: no path leaves the merged unit and comes
     * back, where reaching one member of another group stands for reaching all of it (the group runs
     * as one kernel). Only nodes before i matter: later nodes cannot feed i or its producers.
     */
    private static BitSet acyclicSubset(int i, BitSet merge, boolean[] member, int[] parent, Map<Integer, List<Integer>> members,
                                        List<List<Integer>> consumers) {
        BitSet kept = new BitSet();
        for (int r = merge.nextSetBit(0); r >= 0; r = merge.nextSetBit(r + 1)) {
            kept.set(r);
            if (!acyclic(i, kept, member, parent, members, consumers)) {
                kept.clear(r);
            }
        }
        return kept;
    }

    private static boolean acyclic(int i, BitSet unit, boolean[] member, int[] parent, Map<Integer, List<Integer>> members,
                                   List<List<Integer>> consumers) {
        boolean[] reached = new boolean[i];
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        for (int r = unit.nextSetBit(0); r >= 0; r = unit.nextSetBit(r + 1)) {
            work.addAll(members.get(r));
        }
        while (!work.isEmpty()) {
            int x = work.pop();
            for (int y : consumers.get(x)) {
                if (y >= i) {
                    continue;
                }
                int root = member[y] ? find(y, parent) : -1;
                if (root >= 0 && unit.get(root)) {
                    if (reached[x]) {
                        return false; // left the unit at some member and came back
                    }
                    continue;
                }
                if (!reached[y]) {
                    List<Integer> group = root >= 0 ? members.get(root) : List.of(y);
                    for (int z : group) {
                        if (!reached[z]) {
                            reached[z] = true;
                            work.push(z);
                        }
                    }
                }
            }
        }
        for (int x = 0; x < i; x++) {
            if (reached[x] && consumers.get(x).contains(i)) {
                return false; // node i reads a value computed after the unit's members
            }
        }
        return true;
    }

    private static int find(int i, int[] parent) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static BitSet roots(BitSet s, int[] parent) {
        BitSet r = new BitSet();
        for (int i = s.nextSetBit(0); i >= 0; i = s.nextSetBit(i + 1)) {
            r.set(find(i, parent));
        }
        return r;
    }

    // Emission ------------------------------------------------------------------------------------

    /** Emits g's nodes, each group as one fused node once all its outside inputs exist. */
    private static void fuseScope(Builder b, Graph g, Map<Key, Value> env) {
        List<Node> nodes = g.nodes();
        int[] root = group(g);
        Map<Integer, List<Integer>> members = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (root[i] >= 0) {
                members.computeIfAbsent(root[i], r -> new ArrayList<>()).add(i);
            }
        }
        Map<Integer, Integer> position = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            position.put(nodes.get(i).id(), i);
        }
        Map<Key, List<Node>> consumers = consumers(g);
        Set<Key> results = keys(g.results());
        Replay.ScanEmitter scans = Replay.scanWith(b, ElementwiseFusion::fuseScope);
        boolean[] done = new boolean[nodes.size()];
        // Literals every reader of which is in a fused group are copied into those groups, not emitted.
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            List<Node> readers = consumers.getOrDefault(new Key.Orig(n.id(), 0), List.of());
            if (copiedLiteral(n) && !results.contains(new Key.Orig(n.id(), 0)) && !readers.isEmpty() && readers.stream()
                    .allMatch(r -> root[position.get(r.id())] >= 0 && members.get(root[position.get(r.id())]).size() > 1)) {
                done[i] = true;
            }
        }
        int left = nodes.size();
        for (boolean d : done) {
            left -= d ? 1 : 0;
        }
        while (left > 0) {
            boolean progress = false;
            for (int i = 0; i < nodes.size(); i++) {
                if (done[i]) {
                    continue;
                }
                List<Integer> unit = root[i] >= 0 ? members.get(root[i]) : List.of(i);
                if (!ready(unit, nodes, done, position)) {
                    continue;
                }
                if (unit.size() > 1) {
                    emitGroup(b, g, unit, env, consumers, results);
                } else {
                    Replay.node(b, nodes.get(i), env, scans);
                }
                for (int u : unit) {
                    done[u] = true;
                }
                left -= unit.size();
                progress = true;
            }
            if (!progress) {
                throw new IllegalStateException("elementwise fusion formed a cycle; this is a bug in the grouping");
            }
        }
    }

    /** A scalar constant or a fill: copied into each group that reads it (see {@link #emitGroup}). */
    private static boolean copiedLiteral(Node n) {
        return n.op() instanceof Constant c && c.value().size() == 1 || n.op() instanceof Fill;
    }

    private static boolean ready(List<Integer> unit, List<Node> nodes, boolean[] done, Map<Integer, Integer> position) {
        Set<Integer> in = new HashSet<>(unit);
        for (int u : unit) {
            for (Value v : nodes.get(u).inputs()) {
                int p = position.get(v.node());
                if (!in.contains(p) && !done[p]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Builds one group's fused node and binds the outer values of the members used outside it. */
    private static void emitGroup(Builder b, Graph g, List<Integer> unit, Map<Key, Value> env, Map<Key, List<Node>> consumers,
                                  Set<Key> results) {
        List<Node> nodes = g.nodes();
        Set<Integer> ids = new HashSet<>();
        unit.forEach(u -> ids.add(nodes.get(u).id()));
        Builder body = new Builder();
        Map<Key, Value> inner = new HashMap<>();
        List<Value> operands = new ArrayList<>();
        List<Key> outputs = new ArrayList<>();
        for (int u : unit) {
            Node n = nodes.get(u);
            Value[] ins = new Value[n.inputs().size()];
            for (int i = 0; i < ins.length; i++) {
                Value in = n.inputs().get(i);
                Key k = Key.Orig.of(in);
                Value v = inner.get(k);
                if (v == null) {
                    Node producer = g.node(in.node());
                    if (copiedLiteral(producer)) {
                        v = producer.op() instanceof Constant c ? body.constant(c.value()) : body.apply1(producer.op());
                    } else {
                        v = body.input("in" + operands.size(), in.dtype(), in.shape().dims().toArray());
                        operands.add(env.get(k));
                    }
                    inner.put(k, v);
                }
                ins[i] = v;
            }
            Key k = new Key.Orig(n.id(), 0);
            inner.put(k, body.apply1(n.op(), ins));
            if (results.contains(k) || consumers.getOrDefault(k, List.of()).stream().anyMatch(c -> !ids.contains(c.id()))) {
                outputs.add(k);
            }
        }
        if (outputs.isEmpty()) {
            return; // nothing reads the group (dead code when simplify is off): it is dropped, not fused
        }
        Map<String, Value> named = new LinkedHashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
            named.put("out" + i, inner.get(outputs.get(i)));
        }
        List<Value> outs = b.apply(new Fused(body.build(named)), operands.toArray(Value[]::new));
        for (int i = 0; i < outputs.size(); i++) {
            env.put(outputs.get(i), outs.get(i));
        }
    }

    private static Map<Key, List<Node>> consumers(Graph g) {
        Map<Key, List<Node>> consumers = new HashMap<>();
        for (Node n : g.nodes()) {
            for (Value in : n.inputs()) {
                consumers.computeIfAbsent(Key.Orig.of(in), k -> new ArrayList<>()).add(n);
            }
        }
        return consumers;
    }

    private static Set<Key> keys(List<Value> vs) {
        Set<Key> s = new HashSet<>();
        vs.forEach(v -> s.add(Key.Orig.of(v)));
        return s;
    }
}
