package dev.spool.compiler.lower;

import dev.spool.graph.Value;
import dev.spool.program.internal.Buffer;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts every generated kernel whose expression costs more than the target's
 * {@link Target#maxKernelCost} into several kernels ({@link KernelSplit} chooses the cuts); a
 * value computed by one part and read by a later one goes through a new buffer of the kernel's
 * shape. On the CPU, C2 stops intrinsifying some Vector API calls in very large loops and such a
 * kernel runs 2–3× slower per element, so two smaller kernels are faster than one large one.
 *
 * <pre>
 * kernel tanh(add(mul(…))) … -> b9        ⇒     kernel mul(…) … -> b20
 *                                                kernel tanh(add(in0, …)) b20, … -> b9
 * </pre>
 */
public final class SplitKernels implements ProgramPass {
    @Override
    public String name() {
        return "kernel-split";
    }

    @Override
    public Program run(Program p, Target target) {
        List<Buffer> buffers = new ArrayList<>(p.buffers());
        List<Instr> code = rewrite(p.code(), buffers, target.maxKernelCost());
        return p.withCode(buffers, code);
    }

    private static List<Instr> rewrite(List<Instr> code, List<Buffer> buffers, int maxCost) {
        List<Instr> out = new ArrayList<>();
        for (Instr ins : code) {
            if (ins instanceof Instr.Loop l) {
                out.add(new Instr.Loop(l.level(), l.length(), l.reverse(), rewrite(l.body(), buffers, maxCost), l.label()));
            } else if (ins instanceof Instr.Kernel k) {
                out.addAll(split(k, buffers, maxCost));
            } else {
                out.add(ins);
            }
        }
        return out;
    }

    private static List<Instr> split(Instr.Kernel k, List<Buffer> buffers, int maxCost) {
        List<KernelSplit.Part> parts = KernelSplit.parts(k.expr(), maxCost);
        if (parts.size() <= 1) {
            return List.of(k);
        }
        Map<Value, View> at = new HashMap<>();
        for (int i = 0; i < k.inputs().size(); i++) {
            at.put(k.expr().params().get(i), k.inputs().get(i));
        }
        Map<Value, List<View>> destinations = new HashMap<>();
        for (int i = 0; i < k.outputs().size(); i++) {
            destinations.computeIfAbsent(k.expr().results().get(i), v -> new ArrayList<>()).add(k.outputs().get(i));
        }
        List<Instr> out = new ArrayList<>();
        for (KernelSplit.Part part : parts) {
            List<View> inputs = part.inputs().stream().map(at::get).toList();
            List<View> outputs = new ArrayList<>();
            List<Value> written = new ArrayList<>();
            for (Value v : part.outputs()) {
                List<View> d = destinations.get(v);
                if (d == null) {
                    int elements = 1;
                    for (int s : k.shape()) {
                        elements *= s;
                    }
                    Buffer b = new Buffer(buffers.size(), v.dtype(), elements, "kernel part", null, false);
                    buffers.add(b);
                    d = List.of(View.contiguous(b.id(), k.shape()));
                }
                for (View view : d) {
                    outputs.add(view);
                    written.add(v);
                }
                at.put(v, d.get(0));
            }
            out.add(new Instr.Kernel(part.expression(written), inputs, outputs, k.shape()));
        }
        return out;
    }
}
