package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
import dev.spool.graph.InputException;

import java.nio.ByteBuffer;
import java.util.List;

/** Steps that run other steps: loops, the masked end of a scan step, input checks, and reference fallbacks. */
final class ControlExecs {
    private ControlExecs() {
    }

    /**
     * A scan's loop: runs {@code prepare} once (packing loop-invariant GEMM operands, see
     * {@link PackedGemm}), then sets its loop index to each t in turn and runs the body.
     */
    static final class Loop implements Exec {
        private final int level;
        private final int length;
        private final boolean reverse;
        private final Exec[] prepare;
        private final Exec[] body;

        Loop(int level, int length, boolean reverse, Exec[] prepare, Exec[] body) {
            this.level = level;
            this.length = length;
            this.reverse = reverse;
            this.prepare = prepare;
            this.body = body;
        }

        public void run(int[] loop) {
            if (length > 0) {
                for (Exec p : prepare) {
                    p.run(loop);
                }
            }
            for (int k = 0; k < length; k++) {
                loop[level] = reverse ? length - 1 - k : k;
                for (Exec s : body) {
                    s.run(loop);
                }
            }
        }
    }

    /**
     * Row b of a batch-first tensor pair: {@code walk} covers one row (after the batch axis); operand 0
     * is read from {@code from} (absent when zeroing) and operand 1 written at {@code to}, each moving
     * by its row stride per batch entry.
     */
    record BatchRows(Exec.Address from, int fromRowBytes, Exec.Address to, int toRowBytes, Exec.Walk walk, int elementSize) {
    }

    /**
     * The end of a masked step: an active row takes its next carry, an inactive row keeps its slot
     * and gets zero outputs.
     */
    static final class MaskStep implements Exec, Exec.Rows.Visitor {
        private final ByteBuffer m;
        private final int level;
        private final Address active;
        private final DType activeType;
        private final boolean lengths;
        private final int batch;
        private final List<BatchRows> carries;
        private final List<BatchRows> outputs;
        private BatchRows current;
        private boolean zero;

        MaskStep(ByteBuffer m, int level, Address active, DType activeType, boolean lengths, int batch, List<BatchRows> carries,
                 List<BatchRows> outputs) {
            this.m = m;
            this.level = level;
            this.active = active;
            this.activeType = activeType;
            this.lengths = lengths;
            this.batch = batch;
            this.carries = carries;
            this.outputs = outputs;
        }

        public void run(int[] loop) {
            int t = loop[level];
            int a = active.at(loop);
            for (int b = 0; b < batch; b++) {
                boolean on = lengths ? t < Elements.getLong(m, activeType, a + b * activeType.byteSize()) : m.get(a + b) != 0;
                zero = !on;
                for (BatchRows r : on ? carries : outputs) {
                    current = r;
                    Walk w = r.walk();
                    w.at[0] = r.from() == null ? 0 : r.from().at(loop) + b * r.fromRowBytes();
                    w.at[1] = r.to().at(loop) + b * r.toRowBytes();
                    w.run(this);
                }
            }
        }

        public void row(int[] at) {
            Walk w = current.walk();
            int es = current.elementSize();
            int ss = w.innerStride(0);
            int ds = w.innerStride(1);
            for (int j = 0; j < w.inner(); j++) {
                if (zero) {
                    for (int k = 0; k < es; k++) {
                        m.put(at[1] + j * ds + k, (byte) 0);
                    }
                } else {
                    Elements.copy(m, es, at[0] + j * ss, at[1] + j * ds);
                }
            }
        }
    }

    /** Refuses lengths outside [0, steps] before a masked scan runs. */
    static final class CheckLengths implements Exec {
        private final ByteBuffer m;
        private final Address lengths;
        private final DType type;
        private final int count;
        private final int steps;
        private final String label;

        CheckLengths(ByteBuffer m, Address lengths, DType type, int count, int steps, String label) {
            this.m = m;
            this.lengths = lengths;
            this.type = type;
            this.count = count;
            this.steps = steps;
            this.label = label;
        }

        public void run(int[] loop) {
            int a = lengths.at(loop);
            for (int b = 0; b < count; b++) {
                long l = Elements.getLong(m, type, a + b * type.byteSize());
                if (l < 0 || l > steps) {
                    throw new InputException(label + ": lengths[" + b + "] = " + l + " is outside [0, " + steps + "] (the scan length)");
                }
            }
        }
    }
}
