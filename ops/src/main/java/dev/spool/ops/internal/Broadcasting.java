package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.internal.DimUnifier;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Numpy broadcasting of shapes: align on the right; per axis, equal dims stay, a 1 stretches to
 * the other, and otherwise the dims must unify (two symbols join; a symbol never becomes a size, see
 * {@link DimUnifier}).
 */
public final class Broadcasting {
    private Broadcasting() {
    }

    public static Shape shape(String op, List<Shape> shapes, DimUnifier dims) {
        int rank = shapes.stream().mapToInt(Shape::rank).max().orElse(0);
        List<Dim> out = new ArrayList<>(Collections.nCopies(rank, (Dim) new Dim.Fixed(1)));
        for (Shape s : shapes) {
            for (int i = 0; i < s.rank(); i++) {
                int axis = rank - s.rank() + i;
                Dim have = dims.resolve(out.get(axis));
                Dim d = dims.resolve(s.dim(i));
                if (isOne(d) || have.equals(d)) {
                    continue;
                }
                if (isOne(have)) {
                    out.set(axis, d);
                } else {
                    try {
                        out.set(axis, dims.unify(have, d));
                    } catch (ShapeException e) {
                        String why = have.isFixed() && d.isFixed() ? have + " vs " + d : e.getMessage();
                        throw new ShapeException(op + ": shapes " + join(shapes) + " do not broadcast (axis " + axis + ": " + why + ")");
                    }
                }
            }
        }
        return new Shape(out);
    }

    private static boolean isOne(Dim d) {
        return d instanceof Dim.Fixed f && f.size() == 1;
    }

    private static String join(List<Shape> shapes) {
        return shapes.stream().map(Shape::toString).reduce((a, b) -> a + " and " + b).orElse("");
    }
}
