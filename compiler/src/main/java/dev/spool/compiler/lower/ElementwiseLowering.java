package dev.spool.compiler.lower;

import dev.spool.graph.Graph;
import dev.spool.graph.internal.Node;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Fused;
import dev.spool.ops.internal.Primitive;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lowering of the elementwise ops and fused groups: one generated {@link Instr.Kernel} over the
 * output's shape, each operand broadcast to it; a lone op is a one-node expression. The group is
 * one kernel here; {@link SplitKernels} later cuts a large one into parts.
 */
enum ElementwiseLowering implements LoweringRule {
    KERNEL;

    @Override
    public void lower(Node n, Primitive op, List<View> ins, LoweringContext cx) {
        Graph expr = op instanceof Fused f ? f.body() : singleOpExpression(n);
        int[] shape = n.outputs().get(0).shape().sizes();
        Map<Value, View> at = new HashMap<>();
        for (int i = 0; i < ins.size(); i++) {
            at.put(expr.params().get(i), ins.get(i).broadcastTo(shape));
        }
        // Each group output goes to every destination of the node's output; the first is read back if needed.
        Map<Value, List<View>> dests = new HashMap<>();
        for (int i = 0; i < n.outputs().size(); i++) {
            dests.computeIfAbsent(expr.results().get(i), v -> new ArrayList<>()).addAll(cx.destinations(n.output(i)));
        }
        for (KernelSplit.Part part : KernelSplit.parts(expr, Integer.MAX_VALUE)) {
            List<View> inputs = part.inputs().stream().map(at::get).toList();
            List<View> outputs = new ArrayList<>();
            List<Value> written = new ArrayList<>();
            for (Value v : part.outputs()) {
                List<View> d = dests.get(v);
                if (d == null) {
                    d = List.of(cx.fresh(v.dtype(), shape, "%" + n.id() + " part"));
                }
                for (View view : d) {
                    outputs.add(view);
                    written.add(v);
                }
                at.put(v, d.get(0));
            }
            cx.emit(new Instr.Kernel(part.expression(written), inputs, outputs, shape));
        }
        for (int i = 0; i < n.outputs().size(); i++) {
            cx.record(n.output(i), at.get(expr.results().get(i)));
        }
    }

    /** A one-node expression graph for a single elementwise op. */
    private static Graph singleOpExpression(Node n) {
        Builder b = new Builder();
        List<Value> params = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            TensorType t = n.inputs().get(i).type();
            params.add(b.input("in" + i, t.dtype(), t.shape().dims().toArray()));
        }
        Value r = b.apply1(n.op(), params.toArray(Value[]::new));
        return b.build("out0", r);
    }
}
