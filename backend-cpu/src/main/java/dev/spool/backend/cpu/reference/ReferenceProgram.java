package dev.spool.backend.cpu.reference;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.backend.cpu.FeedBinding;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Op;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.graph.Tensor;
import dev.spool.ops.internal.Primitive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference interpreter: every node becomes an {@link Instruction} reading and writing
 * numbered slots of heap tensors through the straightforward per-op kernels (each op's rule from
 * {@link ReferenceRules}), and every scan body is prepared once into its own program that the loop
 * ({@link ScanLoop}) runs per step. It is slow and simple on
 * purpose: it is the oracle the compiled {@link CpuProgram} is differentially tested against.
 * Symbolic dims are bound from the inputs' actual shapes at each run.
 *
 * <pre>{@code
 * ReferenceProgram p = CpuBackend.reference(graph);
 * Map<String, Tensor> out = p.run(Map.of("x", x));
 * }</pre>
 */
public final class ReferenceProgram {
    private final Graph graph;
    private final int[] paramSlots;
    private final int[] resultSlots;
    private final Instruction[] code;
    private final int numSlots;

    /** One prepared node: reads its inputs from slots, writes its outputs to slots. */
    interface Instruction {
        void run(Tensor[] slots, Map<String, Integer> dims);
    }

    /** The interpreter of {@code graph} as it is (no passes run); {@link CpuBackend#reference} verifies it first. */
    public ReferenceProgram(Graph graph) {
        this.graph = graph;
        Map<List<Integer>, Integer> slotOf = new HashMap<>();
        for (Node n : graph.nodes()) {
            for (int i = 0; i < n.outputs().size(); i++) {
                slotOf.put(List.of(n.id(), i), slotOf.size());
            }
        }
        this.numSlots = slotOf.size();
        this.paramSlots = graph.params().stream().mapToInt(v -> slotOf.get(List.of(v.node(), v.index()))).toArray();
        this.resultSlots = graph.results().stream().mapToInt(v -> slotOf.get(List.of(v.node(), v.index()))).toArray();
        List<Instruction> out = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (n.op() instanceof Source) {
                continue;
            }
            int[] ins = n.inputs().stream().mapToInt(v -> slotOf.get(List.of(v.node(), v.index()))).toArray();
            int[] outs = new int[n.outputs().size()];
            for (int i = 0; i < outs.length; i++) {
                outs[i] = slotOf.get(List.of(n.id(), i));
            }
            out.add(prepare(n, ins, outs));
        }
        this.code = out.toArray(Instruction[]::new);
    }

    public Graph graph() {
        return graph;
    }

    /**
     * Runs the graph on named inputs and parameters (the names of its sources) and returns its
     * named results.
     *
     * @throws InputException when a value is missing or does not fit its declared type
     */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        Map<String, Integer> dims = new HashMap<>();
        Tensor[] params = FeedBinding.bind(graph, feeds, dims);
        Tensor[] results = execute(params, dims);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < results.length; i++) {
            out.put(graph.resultNames().get(i), results[i]);
        }
        return out;
    }

    /** Runs with positional params under existing dim bindings (a scan body's step). */
    Tensor[] execute(Tensor[] params, Map<String, Integer> dims) {
        Tensor[] slots = new Tensor[numSlots];
        for (int i = 0; i < params.length; i++) {
            slots[paramSlots[i]] = params[i];
        }
        for (Instruction ins : code) {
            ins.run(slots, dims);
        }
        Tensor[] out = new Tensor[resultSlots.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = slots[resultSlots[i]];
        }
        return out;
    }

    private static Instruction prepare(Node n, int[] in, int[] out) {
        Op op = n.op();
        if (op instanceof Constant c) {
            Tensor v = c.value();
            return (s, d) -> s[out[0]] = v;
        }
        if (op instanceof ScanOp scan) {
            ScanLoop loop = new ScanLoop(scan, new ReferenceProgram(scan.body()), n.label());
            return (s, d) -> {
                Tensor[] r = loop.run(operands(s, in), d);
                for (int i = 0; i < out.length; i++) {
                    s[out[i]] = r[i];
                }
            };
        }
        if (!(op instanceof Primitive p)) {
            throw new IllegalArgumentException("the CPU backend cannot run op " + op.name() + " (" + op.getClass().getName() + ")");
        }
        return ReferenceRules.of(p.code()).prepare(n, p, in, out);
    }

    /** The tensors in slots {@code in}, in order. */
    static Tensor[] operands(Tensor[] slots, int[] in) {
        Tensor[] args = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            args[i] = slots[in[i]];
        }
        return args;
    }

    static List<Tensor> operandList(Tensor[] slots, int[] in) {
        return Arrays.asList(operands(slots, in));
    }

    @Override
    public String toString() {
        return "ReferenceProgram(" + graph.nodes().size() + " nodes)";
    }
}
