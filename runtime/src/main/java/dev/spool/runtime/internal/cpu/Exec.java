package dev.spool.runtime.internal.cpu;

import dev.spool.program.internal.View;
/**
 * One prepared instruction of a {@link CompiledPlan}: addresses resolved to byte offsets in the
 * arena, kernels compiled, scratch preallocated, so running it allocates nothing. {@code loop}
 * holds the current index of every enclosing loop (outermost first).
 */
interface Exec {
    // Named Exec, not Step: in Spool a "step" is one training step (TrainingStep) or one time step of a scan.
    void run(int[] loop);

    /** A view's first-element byte address: fixed, or moving with loop indices. */
    record Address(int base, int[] loopBytes) {
        static Address of(View v, long bufferOffset, int elementSize) {
            int[] ls = new int[v.loopStrides().length];
            for (int i = 0; i < ls.length; i++) {
                ls[i] = v.loopStrides()[i] * elementSize;
            }
            long base = bufferOffset + (long) v.offset() * elementSize;
            if (base > Integer.MAX_VALUE) {
                throw new IllegalStateException("arena offset " + base + " exceeds 2 GiB");
            }
            return new Address((int) base, ls);
        }

        int at(int[] loop) {
            int a = base;
            for (int l = 0; l < loopBytes.length; l++) {
                a += loop[l] * loopBytes[l];
            }
            return a;
        }
    }

    /**
     * Walks a collapsed N-d layout ({@link KernelLayout}) row by row, calling the visitor with every
     * operand's byte address of the row's first element; the innermost axis is left to the visitor.
     * The caller owns the {@code at} and {@code pos} scratch arrays, so a walk allocates nothing.
     */
    final class Rows {
        interface Visitor {
            void row(int[] at);
        }

        private Rows() {
        }

        static void forEach(int[] sizes, int[][] byteStrides, int[] at, int[] pos, Visitor v) {
            int outer = sizes.length - 1;
            for (int s : sizes) {
                if (s == 0) {
                    return;
                }
            }
            if (outer == 0) {
                v.row(at);
                return;
            }
            java.util.Arrays.fill(pos, 0);
            int k = at.length;
            while (true) {
                v.row(at);
                int ax = outer - 1;
                while (ax >= 0) {
                    pos[ax]++;
                    for (int o = 0; o < k; o++) {
                        at[o] += byteStrides[o][ax];
                    }
                    if (pos[ax] < sizes[ax]) {
                        break;
                    }
                    for (int o = 0; o < k; o++) {
                        at[o] -= byteStrides[o][ax] * pos[ax];
                    }
                    pos[ax] = 0;
                    ax--;
                }
                if (ax < 0) {
                    return;
                }
            }
        }
    }

    /** A layout walked by rows, with the scratch arrays a walk needs. */
    final class Walk {
        final int[] sizes;
        final int[][] byteStrides;
        final int[] at;
        final int[] pos;

        Walk(KernelLayout layout, int... elementSizes) {
            this.sizes = layout.sizes();
            this.byteStrides = new int[layout.strides().length][];
            for (int o = 0; o < byteStrides.length; o++) {
                byteStrides[o] = new int[sizes.length];
                for (int a = 0; a < sizes.length; a++) {
                    byteStrides[o][a] = layout.strides()[o][a] * elementSizes[o];
                }
            }
            this.at = new int[byteStrides.length];
            this.pos = new int[sizes.length];
        }

        int inner() {
            return sizes[sizes.length - 1];
        }

        int innerStride(int operand) {
            return byteStrides[operand][sizes.length - 1];
        }

        void run(Rows.Visitor v) {
            Rows.forEach(sizes, byteStrides, at, pos, v);
        }
    }
}
