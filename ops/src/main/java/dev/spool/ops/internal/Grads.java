package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Shape plumbing shared by the VJP rules. */
final class Grads {
    private Grads() {
    }

    /** Sums a cotangent of a broadcast result back to the shape of the operand that was broadcast. */
    static Value unbroadcast(Builder b, Value g, TensorType target) {
        if (g == null) {
            return null;
        }
        TensorType gt = b.typeOf(g);
        int lead = gt.rank() - target.rank();
        if (lead > 0) {
            Integer[] axes = new Integer[lead];
            for (int i = 0; i < lead; i++) {
                axes[i] = i;
            }
            g = b.sum(g, axes);
        }
        List<Integer> ones = new ArrayList<>();
        for (int i = 0; i < target.rank(); i++) {
            if (isOne(target.shape().dim(i)) && !isOne(b.typeOf(g).shape().dim(i))) {
                ones.add(i);
            }
        }
        if (!ones.isEmpty()) {
            g = b.apply1(new Reduce(ReduceFn.SUM, ones, true), g);
        }
        return g;
    }

    private static boolean isOne(Dim d) {
        return d instanceof Dim.Fixed f && f.size() == 1;
    }

    static Value zeros(Builder b, TensorType t) {
        return b.fill(0, t.dtype(), t.shape().dims().toArray());
    }

    /** g reshaped so that the reduced {@code axes} of {@code in} come back as size-1 axes. */
    static Value keepDims(Builder b, Value g, TensorType in, Set<Integer> axes) {
        List<Dim> dims = new ArrayList<>();
        for (int i = 0; i < in.rank(); i++) {
            dims.add(axes.contains(i) ? Dim.of(1) : in.shape().dim(i));
        }
        return b.apply1(new Reshape(new Shape(dims)), g);
    }

    /** g (with size-1 axes) broadcast to the full shape of {@code in}. */
    static Value broadcastTo(Builder b, Value g, TensorType in) {
        return b.add(zeros(b, in), g);
    }
}
