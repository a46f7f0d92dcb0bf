package dev.spool.backend.cpu;

import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Op;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.CheckLengths;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Concat;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Index;
import dev.spool.ops.internal.Iota;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.OneHot;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Reduce;
import dev.spool.ops.internal.Slice;
import dev.spool.ops.internal.Softmax;
import dev.spool.ops.internal.Stack;
import dev.spool.ops.internal.Transpose;
import dev.spool.ops.internal.Unary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference interpreter: every node becomes an {@link Instruction} reading and writing
 * numbered slots of heap tensors through the straightforward per-op kernels, and every scan body is
 * prepared once into its own program that the loop runs per step. It is slow and simple on
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

    ReferenceProgram(Graph graph) {
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
                Tensor[] args = new Tensor[in.length];
                for (int i = 0; i < in.length; i++) {
                    args[i] = s[in[i]];
                }
                Tensor[] r = loop.run(args, d);
                for (int i = 0; i < out.length; i++) {
                    s[out[i]] = r[i];
                }
            };
        }
        if (op instanceof dev.spool.ops.internal.Fused f) {
            ReferenceProgram group = new ReferenceProgram(f.body());
            return (s, d) -> {
                Tensor[] args = new Tensor[in.length];
                for (int i = 0; i < in.length; i++) {
                    args[i] = s[in[i]];
                }
                Tensor[] r = group.execute(args, d);
                for (int i = 0; i < out.length; i++) {
                    s[out[i]] = r[i];
                }
            };
        }
        if (!(op instanceof Primitive p)) {
            throw new IllegalArgumentException("the CPU backend cannot run op " + op.name() + " (" + op.getClass().getName() + ")");
        }
        Shape outShape = n.outputs().get(0).shape();
        int o = out[0];
        return switch (p.code()) {
            case UNARY -> {
                var fn = ((Unary) p).fn();
                yield (s, d) -> s[o] = ElementwiseKernels.unary(fn, s[in[0]]);
            }
            case BINARY -> {
                var fn = ((Binary) p).fn();
                yield (s, d) -> s[o] = ElementwiseKernels.binary(fn, s[in[0]], s[in[1]], outShape.sizes(d));
            }
            case COMPARE -> {
                var fn = ((Compare) p).fn();
                yield (s, d) -> s[o] = ElementwiseKernels.compare(fn, s[in[0]], s[in[1]], outShape.sizes(d));
            }
            case WHERE -> (s, d) -> s[o] = ElementwiseKernels.where(s[in[0]], s[in[1]], s[in[2]], outShape.sizes(d));
            case CHECK_LENGTHS -> {
                var check = (CheckLengths) p;
                yield (s, d) -> {
                    ScanLoop.checkLengths(s[in[0]], Shape.of(check.steps()).sizes(d)[0], check.label());
                    s[o] = s[in[0]];
                };
            }
            case CAST -> {
                var to = ((Cast) p).to();
                yield (s, d) -> s[o] = ElementwiseKernels.cast(s[in[0]], to);
            }
            case MATMUL -> {
                var mm = (MatMul) p;
                yield (s, d) -> s[o] = MatMulKernel.matmul(s[in[0]], s[in[1]], mm.transA(), mm.transB(), outShape.sizes(d));
            }
            case TRANSPOSE -> {
                var perm = ((Transpose) p).perm();
                yield (s, d) -> s[o] = LayoutKernels.transpose(s[in[0]], perm);
            }
            case RESHAPE -> (s, d) -> s[o] = s[in[0]].reshape(outShape.sizes(d));
            case SLICE -> {
                var sl = (Slice) p;
                int axis = Math.floorMod(sl.axis(), n.inputs().get(0).type().rank());
                yield (s, d) -> s[o] = LayoutKernels.slice(s[in[0]], axis, sl.start(), sl.end());
            }
            case INDEX -> {
                var ix = (Index) p;
                int axis = Math.floorMod(ix.axis(), n.inputs().get(0).type().rank());
                yield (s, d) -> s[o] = LayoutKernels.index(s[in[0]], axis, ix.index());
            }
            case CONCAT -> {
                int axis = Math.floorMod(((Concat) p).axis(), outShape.rank());
                yield (s, d) -> s[o] = LayoutKernels.concat(gatherSlots(s, in), axis, outShape.sizes(d));
            }
            case STACK -> {
                int axis = Math.floorMod(((Stack) p).axis(), outShape.rank());
                yield (s, d) -> s[o] = LayoutKernels.stack(gatherSlots(s, in), axis, outShape.sizes(d));
            }
            case GATHER -> (s, d) -> s[o] = LayoutKernels.gather(s[in[0]], s[in[1]], outShape.sizes(d));
            case ONE_HOT -> {
                var oh = (OneHot) p;
                yield (s, d) -> s[o] = LayoutKernels.oneHot(s[in[0]], oh.depth(), oh.dtype(), outShape.sizes(d));
            }
            case REDUCE -> {
                var r = (Reduce) p;
                var axes = r.axesFor(n.inputs().get(0).type().rank());
                yield (s, d) -> s[o] = ReductionKernels.reduce(r.fn(), s[in[0]], axes, outShape.sizes(d));
            }
            case SOFTMAX -> {
                var sm = (Softmax) p;
                int axis = Math.floorMod(sm.axis(), outShape.rank());
                yield (s, d) -> s[o] = ReductionKernels.softmax(s[in[0]], axis, sm.log());
            }
            case CROSS_ENTROPY -> (s, d) -> s[o] = ReductionKernels.crossEntropy(s[in[0]], s[in[1]]);
            case CROSS_ENTROPY_GRAD -> (s, d) -> s[o] = ReductionKernels.crossEntropyGrad(s[in[0]], s[in[1]], s[in[2]]);
            case PAD -> {
                var pad = (Pad) p;
                int axis = Math.floorMod(pad.axis(), outShape.rank());
                yield (s, d) -> s[o] = LayoutKernels.pad(s[in[0]], axis, pad.before(), outShape.sizes(d));
            }
            case SCATTER_ADD -> (s, d) -> s[o] = LayoutKernels.scatterAdd(s[in[0]], s[in[1]], outShape.sizes(d));
            case IOTA -> {
                var iota = (Iota) p;
                yield (s, d) -> s[o] = ElementwiseKernels.iota(iota.dtype(), outShape.sizes(d), iota.axis());
            }
            case FUSED -> throw new IllegalStateException("fused groups are handled above");
            case FILL -> {
                var f = (Fill) p;
                yield (s, d) -> s[o] = ElementwiseKernels.fill(f.value(), f.dtype(), outShape.sizes(d));
            }
        };
    }

    private static List<Tensor> gatherSlots(Tensor[] s, int[] in) {
        return Arrays.stream(in).mapToObj(i -> s[i]).toList();
    }

    @Override
    public String toString() {
        return "ReferenceProgram(" + graph.nodes().size() + " nodes)";
    }
}
