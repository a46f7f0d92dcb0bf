package dev.spool.backend.cpu.reference;

import dev.spool.program.internal.View;
/** Row-major stride arithmetic shared by the kernels. */
final class Strides {
    private Strides() {
    }

    static int[] of(int[] shape) {
        return View.rowMajor(shape);
    }

    /** Product of shape[from, to). */
    static int volume(int[] shape, int from, int to) {
        int v = 1;
        for (int i = from; i < to; i++) {
            v *= shape[i];
        }
        return v;
    }

    /**
     * For each element of {@code out} (row-major), the flat offset of the element of an operand of
     * shape {@code in} that numpy broadcasting reads (in is right-aligned; size-1 axes repeat).
     */
    static int[] broadcastIndex(int[] in, int[] out) {
        int n = volume(out, 0, out.length);
        int[] idx = new int[n];
        int[] inStrides = of(in);
        int[] st = new int[out.length];
        for (int i = 0; i < in.length; i++) {
            int axis = out.length - in.length + i;
            st[axis] = in[i] == 1 ? 0 : inStrides[i];
        }
        int[] pos = new int[out.length];
        int off = 0;
        for (int i = 0; i < n; i++) {
            idx[i] = off;
            for (int ax = out.length - 1; ax >= 0; ax--) {
                pos[ax]++;
                off += st[ax];
                if (pos[ax] < out[ax]) {
                    break;
                }
                off -= st[ax] * pos[ax];
                pos[ax] = 0;
            }
        }
        return idx;
    }

    static boolean same(int[] a, int[] b) {
        return java.util.Arrays.equals(a, b);
    }
}
