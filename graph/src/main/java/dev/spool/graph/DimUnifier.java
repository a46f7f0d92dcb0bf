package dev.spool.graph;

import java.util.HashMap;
import java.util.Map;

/**
 * Union-find over symbolic dims. Inference asks it to make two dims equal: two symbols join one
 * class, a symbol meeting a size or a product (of other symbols) is bound to it, two different
 * sizes are an error. A product resolves factor by factor; two products are equal only when they
 * resolve to the same product (no factoring is attempted).
 *
 * <pre>{@code
 * var u = new DimUnifier();
 * u.unify(Dim.of("B"), Dim.of(5));   // B := 5
 * u.resolve(Dim.of("B"))             // Fixed(5)
 * }</pre>
 */
public final class DimUnifier {
    private final Map<String, Dim> parent = new HashMap<>();

    /** The representative of d: a size when its class is bound, else the class's root symbol. */
    public Dim resolve(Dim d) {
        if (d instanceof Dim.Prod p) {
            return Dim.product(p.factors().stream().map(this::resolve).toArray(Dim[]::new));
        }
        if (!(d instanceof Dim.Sym s)) {
            return d;
        }
        Dim p = parent.get(s.name());
        if (p == null) {
            return d;
        }
        Dim root = resolve(p);
        parent.put(s.name(), root);
        return root;
    }

    public Shape resolve(Shape s) {
        return s.map(this::resolve);
    }

    public TensorType resolve(TensorType t) {
        return new TensorType(t.dtype(), resolve(t.shape()));
    }

    /** Whether a and b are already known equal. */
    public boolean same(Dim a, Dim b) {
        return resolve(a).equals(resolve(b));
    }

    /**
     * Makes a and b equal and returns the representative.
     *
     * @throws ShapeException when both are different sizes
     */
    public Dim unify(Dim a, Dim b) {
        Dim ra = resolve(a);
        Dim rb = resolve(b);
        if (ra.equals(rb)) {
            return ra;
        }
        if (ra instanceof Dim.Sym sa && !rb.factors().contains(sa)) {
            parent.put(sa.name(), rb);
            return rb;
        }
        if (rb instanceof Dim.Sym sb && !ra.factors().contains(sb)) {
            parent.put(sb.name(), ra);
            return ra;
        }
        // Two different sizes, a symbol against a product of itself, or products not known equal.
        throw new ShapeException("dimension " + ra + " does not match " + rb);
    }

    /** Non-throwing variant: whether a and b can be made equal (and makes them so). */
    public boolean tryUnify(Dim a, Dim b) {
        try {
            unify(a, b);
            return true;
        } catch (ShapeException e) {
            return false;
        }
    }
}
