package dev.spool.backend.cpu.reference;

import dev.spool.graph.Dim;
import dev.spool.graph.InputException;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.graph.internal.ScanOp;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link ScanOp}: the body program (prepared once) is executed per step on the carries,
 * the step's slices (views, no copies) and the invariants; per-step outputs are written into
 * stacked buffers allocated once. Masked rows keep their carry and get zero outputs.
 */
final class ScanLoop {
    private final ScanOp op;
    private final ReferenceProgram body;
    private final String label;

    ScanLoop(ScanOp op, ReferenceProgram body, String label) {
        this.op = op;
        this.body = body;
        this.label = label;
    }

    Tensor[] run(Tensor[] operands, Map<String, Integer> dims) {
        int nc = op.numCarries();
        int ns = op.numSequences();
        int ni = op.numInvariants();
        ScanOp.Operands<Tensor> in = op.split(Arrays.asList(operands));
        int steps = length(in.sequences(), dims);
        Tensor mask = in.mask();
        if (op.masking() == ScanOp.Masking.LENGTHS) {
            checkLengths(mask, steps);
        }
        Tensor[] carries = Arrays.copyOf(operands, nc);
        Tensor[] stacked = new Tensor[op.numOutputs()];
        for (int i = 0; i < stacked.length; i++) {
            Value r = op.splitResults(op.body().results()).outputs().get(i);
            int[] stepShape = r.shape().sizes(dims);
            int[] full = new int[stepShape.length + 1];
            full[0] = steps;
            System.arraycopy(stepShape, 0, full, 1, stepShape.length);
            stacked[i] = Tensor.zeros(r.dtype(), full);
        }
        Tensor[] params = new Tensor[nc + ns + ni];
        System.arraycopy(operands, nc + ns, params, nc + ns, ni);
        for (int k = 0; k < steps; k++) {
            int t = op.reverse() ? steps - 1 - k : k;
            System.arraycopy(carries, 0, params, 0, nc);
            for (int i = 0; i < ns; i++) {
                params[nc + i] = in.sequences().get(i).step(t);
            }
            Tensor[] res = body.execute(params, dims);
            boolean[] active = mask == null ? null : activeRows(mask, t);
            for (int i = 0; i < nc; i++) {
                Tensor next = res[i];
                if (next.size() != carries[i].size()) {
                    throw new IllegalStateException(label + ": carry " + op.carryName(i) + " changed size at step " + t);
                }
                carries[i] = active == null ? next : keepInactiveRows(next, carries[i], active);
            }
            for (int i = 0; i < stacked.length; i++) {
                Tensor dst = stacked[i].step(t);
                dst.copyFrom(res[nc + i]);
                if (active != null) {
                    zeroInactiveRows(dst, active);
                }
            }
        }
        Tensor[] out = new Tensor[nc + stacked.length];
        System.arraycopy(carries, 0, out, 0, nc);
        System.arraycopy(stacked, 0, out, nc, stacked.length);
        return out;
    }

    private int length(List<Tensor> sequences, Map<String, Integer> dims) {
        if (!sequences.isEmpty()) {
            int t = sequences.get(0).dim(0);
            for (Tensor x : sequences) {
                if (x.dim(0) != t) {
                    throw new InputException(label + ": sequences differ in length: " + t + " vs " + x.dim(0));
                }
            }
            return t;
        }
        Dim d = op.length();
        return d instanceof Dim.Sym s ? dims.get(s.name()) : d.size();
    }

    private void checkLengths(Tensor lengths, int steps) {
        checkLengths(lengths, steps, label);
    }

    /** Refuses lengths outside [0, steps], naming {@code label}. */
    static void checkLengths(Tensor lengths, int steps, String label) {
        for (int b = 0; b < lengths.size(); b++) {
            long l = lengths.getLong(b);
            if (l < 0 || l > steps) {
                throw new InputException(label + ": lengths[" + b + "] = " + l + " is outside [0, " + steps + "] (the scan length)");
            }
        }
    }

    private boolean[] activeRows(Tensor mask, int t) {
        if (op.masking() == ScanOp.Masking.LENGTHS) {
            boolean[] a = new boolean[mask.size()];
            for (int b = 0; b < a.length; b++) {
                a[b] = t < mask.getLong(b);
            }
            return a;
        }
        Tensor row = mask.step(t);
        return row.toBooleanArray();
    }

    /** next with the rows of inactive batch entries replaced by prev's (the frozen carry). */
    private static Tensor keepInactiveRows(Tensor next, Tensor prev, boolean[] active) {
        Tensor out = next.copy();
        int row = out.size() / active.length;
        for (int b = 0; b < active.length; b++) {
            if (!active[b]) {
                System.arraycopy(prev.data(), prev.offset() + b * row, out.data(), b * row, row);
            }
        }
        return out;
    }

    private static void zeroInactiveRows(Tensor dst, boolean[] active) {
        int row = dst.size() / active.length;
        for (int b = 0; b < active.length; b++) {
            if (!active[b]) {
                for (int j = 0; j < row; j++) {
                    dst.setDouble(b * row + j, 0);
                }
            }
        }
    }
}
