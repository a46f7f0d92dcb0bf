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

    /**
     * {@code coefficient} times the symbols (a multiset, kept sorted by name so that equal products
     * are equal records). Build one with {@link Dim#product}, which folds sizes and returns a plain
     * size or symbol where the product is one.
     */
    record Prod(int coefficient, List<Sym> symbols) implements Dim {
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

    /** The product of dims in canonical form: a size when all are sizes, a symbol when that is all it is. */
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

    /** The factors of this dim: itself for a size or symbol, the size (unless 1) and symbols of a product. */
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
