package dev.spool.runtime.internal.cpu;

import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.List;

/**
 * The iteration space of an elementwise kernel after collapsing: axes that every operand walks
 * contiguously one after the other merge into one, size-1 axes vanish, so a (T, B, H) bias add
 * becomes two loops (rows of H) and a plain (B, H) add one loop of B·H elements. {@code strides[k]}
 * are operand k's element strides per collapsed axis (outermost first); the innermost stride of each
 * operand decides how the generated code reads it: 1 contiguous (vector loads), 0 broadcast (one
 * value per row), anything else element by element.
 */
public record KernelLayout(int[] sizes, int[][] strides) {

    public static KernelLayout of(int[] shape, List<View> operands) {
        int k = operands.size();
        List<Integer> sizes = new ArrayList<>();
        List<int[]> strides = new ArrayList<>();
        for (int axis = shape.length - 1; axis >= 0; axis--) {
            if (shape[axis] == 1) {
                continue;
            }
            int[] st = new int[k];
            for (int o = 0; o < k; o++) {
                st[o] = operands.get(o).strides()[axis];
            }
            if (!sizes.isEmpty()) {
                int last = sizes.size() - 1;
                int[] inner = strides.get(last);
                boolean merges = true;
                for (int o = 0; o < k; o++) {
                    merges &= st[o] == inner[o] * sizes.get(last);
                }
                if (merges) {
                    sizes.set(last, sizes.get(last) * shape[axis]);
                    continue;
                }
            }
            sizes.add(shape[axis]);
            strides.add(st);
        }
        if (sizes.isEmpty()) {
            sizes.add(1);
            strides.add(new int[k]);
        }
        int r = sizes.size();
        int[] outSizes = new int[r];
        int[][] outStrides = new int[k][r];
        for (int i = 0; i < r; i++) {
            outSizes[r - 1 - i] = sizes.get(i);
            for (int o = 0; o < k; o++) {
                outStrides[o][r - 1 - i] = strides.get(i)[o];
            }
        }
        return new KernelLayout(outSizes, outStrides);
    }

    /**
     * The vector width for rows of {@code n} elements with at most {@code max} lanes: the one that
     * leaves the shortest scalar tail (the widest among equals), or 0 when no vector fits.
     */
    public static int lanes(int n, int max) {
        int best = 0;
        int covered = -1;
        for (int l = max; l >= 2; l /= 2) {
            int c = n - n % l;
            if (c > covered) {
                best = l;
                covered = c;
            }
        }
        return covered > 0 ? best : 0;
    }

    public int rank() {
        return sizes.length;
    }

    public int inner() {
        return sizes[sizes.length - 1];
    }

    public int innerStride(int operand) {
        return strides[operand][sizes.length - 1];
    }

    public boolean isEmpty() {
        for (int s : sizes) {
            if (s == 0) {
                return true;
            }
        }
        return false;
    }
}
