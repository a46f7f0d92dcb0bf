package dev.spool.runtime.internal.cpu;

import java.nio.ByteBuffer;

/**
 * Elementwise kernels that run inside a {@link PackedGemm}: the product's rows are cut into parts,
 * and a chunk of work is one part multiplied against every panel of the packed weight, stored, and
 * then run through the kernels, on the core that computed it. A scan step of an LSTM or GRU is the
 * recurrent product and then its gate kernels over (rows × hidden units); split apart, each gate
 * kernel waited for the product to finish on both cores, handed its second half to the other core,
 * and read half of its input from that core's cache, so two cores ran the gate kernels only 1.3–1.5×
 * faster than one. Here a step's only hand-over is the product's.
 *
 * <p>Every kernel runs unchanged on its rows of the part: its arguments are its own with the row
 * count cut and every operand's offset moved by the part's first row, so each element is computed
 * by the same code as before and the bits do not change. {@code ExecBuilder} admits a kernel only
 * when the parts are independent.
 */
final class GemmEpilogue {
    /**
     * One kernel: the code, its arguments per part, the slots of operands that move with a loop, and
     * per part and moving operand the bytes from the operand's row 0 to the part's first row.
     */
    private record Step(CpuKernel kernel, int[][] partArgs, Exec.Address[] moving, int[] slots, int[][] movingShift) {
    }

    private final ByteBuffer mem;
    private final Step[] steps;
    private final int[] rowParts;

    private GemmEpilogue(ByteBuffer mem, Step[] steps, int[] rowParts) {
        this.mem = mem;
        this.steps = steps;
        this.rowParts = rowParts;
    }

    /** Where the parts cut the rows: part {@code q} is rows {@code [rowParts[q], rowParts[q + 1])}. */
    int[] rowParts() {
        return rowParts;
    }

    /** How many kernels run in the chunks. */
    int size() {
        return steps.length;
    }

    /** Kernels being collected for one product, in program order. */
    static final class Builder {
        private final java.util.List<Step> steps = new java.util.ArrayList<>();
        private final int[] rowParts;

        /** @param rowParts where the parts cut the rows (see {@link PackedGemm#rowParts}) */
        Builder(int[] rowParts) {
            this.rowParts = rowParts.clone();
        }

        /**
         * Adds a kernel whose iteration space is the product's rows × some units, collapsed or not.
         *
         * @param args      its arguments as {@link KernelExec} takes them (sizes, then per operand the byte
         *                  offset and the byte stride per axis)
         * @param rank      the rank of its collapsed iteration space (1: rows × units as one axis)
         * @param rowBytes  per operand, the bytes from one row to the next
         * @param moving    the addresses of operands that move with a loop, and {@code slots} their offset slots
         */
        void add(CpuKernel kernel, int[] args, int rank, int[] rowBytes, Exec.Address[] moving, int[] slots) {
            int m = rowParts[rowParts.length - 1];
            int parts = rowParts.length - 1;
            int[][] partArgs = new int[parts][];
            int[][] movingShift = new int[parts][slots.length];
            for (int q = 0; q < parts; q++) {
                int[] a = args.clone();
                a[0] = args[0] / m * (rowParts[q + 1] - rowParts[q]);
                for (int o = 0; o < rowBytes.length; o++) {
                    a[rank + o * (1 + rank)] += rowParts[q] * rowBytes[o];
                }
                for (int i = 0; i < slots.length; i++) {
                    movingShift[q][i] = rowParts[q] * rowBytes[(slots[i] - rank) / (1 + rank)];
                }
                partArgs[q] = a;
            }
            steps.add(new Step(kernel, partArgs, moving, slots, movingShift));
        }

        GemmEpilogue build(ByteBuffer mem) {
            return new GemmEpilogue(mem, steps.toArray(Step[]::new), rowParts);
        }
    }

    /** Moves the operands that move with the loop to this step's addresses, in every part's arguments (before the chunks run). */
    void prepare(int[] loop) {
        for (Step s : steps) {
            int[][] partArgs = s.partArgs();
            for (int i = 0; i < s.moving().length; i++) {
                int at = s.moving()[i].at(loop);
                int slot = s.slots()[i];
                for (int q = 0; q < partArgs.length; q++) {
                    partArgs[q][slot] = at + s.movingShift()[q][i];
                }
            }
        }
    }

    /** Runs every kernel, in order, on part {@code q} of the rows. */
    void run(int q) {
        for (Step s : steps) {
            s.kernel().run(mem, s.partArgs()[q]);
        }
    }

    /** Whether any kernel is still a stand-in for a faster form (see {@link CpuKernel#provisional()}). */
    boolean provisional() {
        for (Step s : steps) {
            if (s.kernel().provisional()) {
                return true;
            }
        }
        return false;
    }
}
