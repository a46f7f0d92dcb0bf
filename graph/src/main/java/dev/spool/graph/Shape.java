package dev.spool.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * An immutable list of dims, some of which may be symbolic.
 *
 * <pre>{@code
 * Shape s = Shape.of("T", "B", 28);
 * s.rank() == 3; s.dim(2).size() == 28;
 * }</pre>
 */
public record Shape(List<Dim> dims) {
    /** The shape of a rank-0 value: {@code Shape.SCALAR.rank() == 0}. */
    public static final Shape SCALAR = new Shape(List.of());

    /** A shape of these dims: {@code new Shape(List.of(Dim.of("B"), Dim.of(4)))}. */
    public Shape {
        dims = List.copyOf(dims);
    }

    /** Dims given as Integers (sizes) or Strings (symbols), or one {@code int[]} of sizes: {@code Shape.of("B", 4)}. */
    public static Shape of(Object... dims) {
        if (dims.length == 1 && dims[0] instanceof int[] sizes) {
            return of(sizes);
        }
        return new Shape(Arrays.stream(dims).map(Dim::parse).toList());
    }

    /** A fixed shape: {@code Shape.of(new int[] {2, 3})} is {@code (2, 3)}. */
    public static Shape of(int[] sizes) {
        return new Shape(Arrays.stream(sizes).mapToObj(Dim::of).toList());
    }

    /** The number of dims: {@code Shape.of("T", "B", 28).rank() == 3}. */
    public int rank() {
        return dims.size();
    }

    /** One dim: {@code Shape.of("T", "B", 28).dim(1)} is the symbol {@code B}. */
    public Dim dim(int axis) {
        return dims.get(axis);
    }

    /** Whether every dim is a size: {@code Shape.of(2, 3).isFixed()}, not {@code Shape.of("B", 3)}. */
    public boolean isFixed() {
        return dims.stream().allMatch(Dim::isFixed);
    }

    /** Sizes of a fully fixed shape: {@code Shape.of(2, 3).sizes()} is {@code {2, 3}}; a symbol throws. */
    public int[] sizes() {
        return dims.stream().mapToInt(Dim::size).toArray();
    }

    /**
     * Sizes after replacing symbols by their bound values; throws naming an unbound symbol.
     *
     * <pre>{@code Shape.of("T", "B", 28).sizes(Map.of("T", 35, "B", 32))   // {35, 32, 28}}</pre>
     */
    public int[] sizes(Map<String, Integer> bindings) {
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            long size = 1;
            for (Dim d : dims.get(i).factors()) {
                size *= d instanceof Dim.Sym s ? bound(s, bindings) : d.size();
            }
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("dimension " + dims.get(i) + " of shape " + this + " is too large under " + bindings);
            }
            out[i] = (int) size;
        }
        return out;
    }

    private int bound(Dim.Sym s, Map<String, Integer> bindings) {
        Integer v = bindings.get(s.name());
        if (v == null) {
            throw new IllegalStateException("symbolic dimension " + s.name() + " of shape " + this + " is not bound");
        }
        return v;
    }

    /** Every dim rewritten by {@code f}: {@code s.map(d -> d.equals(Dim.of("T")) ? Dim.of(35) : d)}. */
    public Shape map(UnaryOperator<Dim> f) {
        return new Shape(dims.stream().map(f).toList());
    }

    /** Shape without the first {@code n} dims (used to slice time-major sequences): {@code Shape.of("T", "B", 3).drop(1)} is {@code (B, 3)}. */
    public Shape drop(int n) {
        return new Shape(dims.subList(n, dims.size()));
    }

    /** This shape with {@code d} prepended (used to stack per-step outputs): {@code Shape.of("B", 4).prepend(Dim.of("T"))}. */
    public Shape prepend(Dim d) {
        List<Dim> l = new ArrayList<>(dims.size() + 1);
        l.add(d);
        l.addAll(dims);
        return new Shape(l);
    }

    /** This shape with {@code d} appended: {@code Shape.of("B").append(Dim.of(4))} is {@code (B, 4)}. */
    public Shape append(Dim d) {
        List<Dim> l = new ArrayList<>(dims);
        l.add(d);
        return new Shape(l);
    }

    /** This shape with one dim replaced: {@code Shape.of("B", 4).with(1, Dim.of(8))} is {@code (B, 8)}. */
    public Shape with(int axis, Dim d) {
        List<Dim> l = new ArrayList<>(dims);
        l.set(axis, d);
        return new Shape(l);
    }

    @Override
    public String toString() {
        return dims.stream().map(Dim::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    /** Number of elements of sizes; 1 for a scalar: {@code Shape.volume(new int[] {2, 3}) == 6}. */
    public static int volume(int[] sizes) {
        long v = 1;
        for (int s : sizes) {
            v *= s;
        }
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(sizes) + " is too large");
        }
        return (int) v;
    }
}
