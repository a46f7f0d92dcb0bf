package dev.spool.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One dimension of a {@link Shape}: a known size, a named symbol such as {@code T} or {@code B}
 * that is bound when the graph runs, or a product of symbols (and a size) such as {@code T*B}, the
 * length of axes merged by a reshape.
 *
 * <pre>{@code
 * Shape.of("T", "B", 28)                        // dims Sym(T), Sym(B), Fixed(28)
 * Dim.product(Dim.of("T"), Dim.of("B"))          // Prod(1, [B, T]), printed B*T
 * }</pre>
 */
public sealed interface Dim permits Dim.Fixed, Dim.Sym, Dim.Prod {

    /** A dimension of known size: {@code Dim.of(28)}. */
    record Fixed(int size) implements Dim {
        /** {@code new Dim.Fixed(28)}, as {@code Dim.of(28)}; a negative size is an {@link IllegalArgumentException}. */
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

    /** A symbolic dimension, equal to every other {@code Sym} of the same name: {@code Dim.of("B")}. */
    record Sym(String name) implements Dim {
        /** {@code new Dim.Sym("B")}, as {@code Dim.of("B")}; an empty name is an {@link IllegalArgumentException}. */
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

    /**
     * {@code coefficient} times the symbols (a multiset, kept sorted by name so that equal products
     * are equal records). Build one with {@link Dim#product}, which folds sizes and returns a plain
     * size or symbol where the product is one: {@code Dim.product(Dim.of(2), Dim.of("B"))} is {@code 2*B}.
     */
    record Prod(int coefficient, List<Sym> symbols) implements Dim {
        /** Checks the canonical form; build products with {@code Dim.product(Dim.of("T"), Dim.of("B"))} instead. */
        public Prod {
            symbols = List.copyOf(symbols);
            if (coefficient < 1 || symbols.isEmpty() || (coefficient == 1 && symbols.size() == 1)) {
                throw new IllegalArgumentException("not a canonical product: " + coefficient + " * " + symbols + "; use Dim.product");
            }
            if (!symbols.equals(symbols.stream().sorted(Comparator.comparing(Sym::name)).toList())) {
                throw new IllegalArgumentException("product symbols must be sorted by name, got " + symbols);
            }
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(coefficient == 1 ? "" : coefficient + "*");
            for (int i = 0; i < symbols.size(); i++) {
                sb.append(i == 0 ? "" : "*").append(symbols.get(i).name());
            }
            return sb.toString();
        }
    }

    /** The product of dims in canonical form, a size when all are sizes: {@code Dim.product(Dim.of("T"), Dim.of("B"))} is {@code B*T}. */
    static Dim product(Dim... factors) {
        long coefficient = 1;
        List<Sym> symbols = new ArrayList<>();
        for (Dim d : factors) {
            if (d instanceof Fixed f) {
                coefficient *= f.size();
            } else if (d instanceof Sym s) {
                symbols.add(s);
            } else {
                Prod p = (Prod) d;
                coefficient *= p.coefficient();
                symbols.addAll(p.symbols());
            }
            if (coefficient > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("dimension product " + Arrays.toString(factors) + " is too large");
            }
        }
        if (coefficient == 0 || symbols.isEmpty()) {
            return new Fixed((int) coefficient);
        }
        symbols.sort(Comparator.comparing(Sym::name));
        return coefficient == 1 && symbols.size() == 1 ? symbols.get(0) : new Prod((int) coefficient, symbols);
    }

    /** The factors of this dim, itself for a size or symbol: {@code Dim.product(Dim.of(2), Dim.of("B")).factors()} is {@code [2, B]}. */
    default List<Dim> factors() {
        if (this instanceof Prod p) {
            List<Dim> out = new ArrayList<>();
            if (p.coefficient() != 1) {
                out.add(new Fixed(p.coefficient()));
            }
            out.addAll(p.symbols());
            return out;
        }
        return List.of(this);
    }

    /** A size: {@code Dim.of(4)}. */
    static Dim of(int size) {
        return new Fixed(size);
    }

    /** A symbol, sized when the graph runs: {@code Dim.of("T")}. */
    static Dim of(String name) {
        return new Sym(name);
    }

    /** Converts an Integer or a String (symbol) into a dim, as the varargs shape factories do: {@code Dim.parse("B")}. */
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

    /** Whether this is a size: {@code Dim.of(4).isFixed()}, not {@code Dim.of("B").isFixed()}. */
    default boolean isFixed() {
        return this instanceof Fixed;
    }

    /** The size of a fixed dim, throwing for a symbol: {@code Dim.of(4).size() == 4}. */
    default int size() {
        if (this instanceof Fixed f) {
            return f.size();
        }
        throw new IllegalStateException("dimension " + this + " is symbolic");
    }
}
