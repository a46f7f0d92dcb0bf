package dev.spool.graph;

/**
 * One dimension of a {@link Shape}: a known size or a named symbol such as {@code T} or {@code B}
 * that is bound when the graph runs.
 *
 * <pre>{@code Shape.of("T", "B", 28)  // dims Sym(T), Sym(B), Fixed(28)}</pre>
 */
public sealed interface Dim permits Dim.Fixed, Dim.Sym {

    /** A dimension of known size. */
    record Fixed(int size) implements Dim {
        public Fixed {
            if (size < 0) {
                throw new IllegalArgumentException("dimension size must be >= 0, got " + size);
            }
        }

        @Override
        public String toString() {
            return Integer.toString(size);
        }
    }

    /** A symbolic dimension, equal to every other {@code Sym} of the same name. */
    record Sym(String name) implements Dim {
        public Sym {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("symbolic dimension needs a name");
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Dim of(int size) {
        return new Fixed(size);
    }

    static Dim of(String name) {
        return new Sym(name);
    }

    /** Converts an Integer or a String (symbol) into a dim; used by the varargs shape factories. */
    static Dim parse(Object o) {
        if (o instanceof Dim d) {
            return d;
        }
        if (o instanceof Integer i) {
            return new Fixed(i);
        }
        if (o instanceof String s) {
            return new Sym(s);
        }
        throw new IllegalArgumentException("a dimension is an int or a symbol name, got " + o);
    }

    default boolean isFixed() {
        return this instanceof Fixed;
    }

    /** The size of a fixed dim; throws for a symbol. */
    default int size() {
        if (this instanceof Fixed f) {
            return f.size();
        }
        throw new IllegalStateException("dimension " + this + " is symbolic");
    }
}
