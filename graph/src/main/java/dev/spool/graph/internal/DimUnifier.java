package dev.spool.graph.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;

import java.util.HashMap;
import java.util.Map;

/**
 * Union-find over symbolic dims. Inference asks it to make two dims equal: two symbols join one
 * class, a symbol meeting a product of other symbols is bound to it, and two different sizes are
 * an error. A product resolves factor by factor; two products are equal only when they resolve to
 * the same product (no factoring is attempted).
 *
 * <p>A named symbol never becomes a size here: {@code B} meeting {@code 4} is an error, not
 * {@code B := 4}. Sizes are given to symbols only when a graph runs ({@link Graph#bind}, or the
 * sizes of the fed tensors), so a shape mistake such as a carry returned transposed, {@code (4, B)}
 * for {@code (B, 4)}, is refused where it is made instead of quietly fixing {@code B} to 4 for the
 * whole graph and surfacing as a confusing input error at run time.
 *
 * <pre>{@code
 * var u = new DimUnifier();
 * u.unify(Dim.of("B"), Dim.of("N"));   // B and N are one class
 * u.same(Dim.of("N"), Dim.of("B"))     // true
 * u.unify(Dim.of("B"), Dim.of(5));     // ShapeException: symbolic dim B meets size 5
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
     * <pre>{@code u.unify(Dim.of("T"), Dim.of("S"))   // T and S are now the same dim}</pre>
     *
     * @throws ShapeException when both are different sizes, when a symbol would become a size, or
     *                        when a symbol would equal a product of itself
     */
    public Dim unify(Dim a, Dim b) {
        Dim ra = resolve(a);
        Dim rb = resolve(b);
        if (ra.equals(rb)) {
            return ra;
        }
        if (ra instanceof Dim.Sym && rb.isFixed() || rb instanceof Dim.Sym && ra.isFixed()) {
            Dim sym = ra.isFixed() ? rb : ra;
            Dim size = ra.isFixed() ? ra : rb;
            throw new ShapeException("dimension " + sym + " is symbolic but meets size " + size
                    + "; a named dim is sized only when the graph runs (declare it as " + size + " if it is fixed)");
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
