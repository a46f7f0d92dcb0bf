package dev.spool.graph.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DimUnifierTest {

    @Test
    void symbolsJoinTransitively() {
        var u = new DimUnifier();
        u.unify(Dim.of("B"), Dim.of("N"));
        u.unify(Dim.of("N"), Dim.of("M"));
        assertTrue(u.same(Dim.of("B"), Dim.of("M")));
        assertEquals(u.resolve(Shape.of("M", 3)), u.resolve(Shape.of("B", 3)));
    }

    @Test
    void aSymbolNeverBecomesASize() {
        var u = new DimUnifier();
        u.unify(Dim.of("B"), Dim.of("N"));
        var e = assertThrows(ShapeException.class, () -> u.unify(Dim.of("N"), Dim.of(4)));
        assertEquals("dimension N is symbolic but meets size 4; a named dim is sized only when the graph runs"
                + " (declare it as 4 if it is fixed)", e.getMessage());
        assertThrows(ShapeException.class, () -> u.unify(Dim.of(4), Dim.of("B")));
        assertFalse(u.tryUnify(Dim.of("B"), Dim.of(5)));
        assertEquals(Dim.of("N"), u.resolve(Dim.of("B")), "a refused unification leaves the class symbolic");
    }

    @Test
    void differentSizesDoNotUnify() {
        var u = new DimUnifier();
        assertEquals(Dim.of(4), u.unify(Dim.of(4), Dim.of(4)));
        assertThrows(ShapeException.class, () -> u.unify(Dim.of(4), Dim.of(5)));
        assertFalse(u.tryUnify(Dim.of(2), Dim.of(3)));
    }

    @Test
    void shapesResolveSymbolsFromBindings() {
        Shape s = Shape.of("T", "B", 28);
        assertEquals(3, s.rank());
        assertEquals("(T, B, 28)", s.toString());
        assertEquals(java.util.List.of(35, 32, 28), java.util.Arrays.stream(s.sizes(Map.of("T", 35, "B", 32))).boxed().toList());
        var e = assertThrows(IllegalStateException.class, () -> s.sizes(Map.of("T", 35)));
        assertTrue(e.getMessage().contains("B"), e.getMessage());
    }

    @Test
    void productsAreCanonicalAndFoldSizes() {
        Dim tb = Dim.product(Dim.of("T"), Dim.of("B"));
        assertEquals(tb, Dim.product(Dim.of("B"), Dim.of("T")));
        assertEquals("B*T", tb.toString());
        assertEquals("6*B", Dim.product(Dim.of(2), Dim.of("B"), Dim.of(3)).toString());
        assertEquals(Dim.of(12), Dim.product(Dim.of(3), Dim.of(4)));
        assertEquals(Dim.of("B"), Dim.product(Dim.of(1), Dim.of("B")));
        assertEquals(Dim.of(0), Dim.product(Dim.of(0), Dim.of("B")));
        assertEquals(java.util.List.of(Dim.of("B"), Dim.of("T")), tb.factors());
        assertFalse(tb.isFixed());
        assertThrows(IllegalArgumentException.class, () -> new Dim.Prod(1, java.util.List.of(new Dim.Sym("T"), new Dim.Sym("B"))));
    }

    @Test
    void productsResolveFactorwiseAndBindSymbols() {
        var u = new DimUnifier();
        Dim tb = Dim.product(Dim.of("T"), Dim.of("B"));
        u.unify(Dim.of("N"), tb);
        assertEquals(tb, u.resolve(Dim.of("N")));
        u.unify(Dim.of("B"), Dim.of("C"));
        assertEquals(Dim.product(Dim.of("C"), Dim.of("T")), u.resolve(Dim.of("N")));
        assertFalse(u.tryUnify(Dim.of("N"), Dim.of(20)), "a product of symbols is not a size either");
        var v = new DimUnifier();
        assertFalse(v.tryUnify(Dim.of("T"), tb), "T cannot equal T*B");
        assertFalse(v.tryUnify(Dim.of(6), tb), "a size is not proven equal to a symbolic product");
        assertTrue(v.tryUnify(tb, Dim.product(Dim.of("B"), Dim.of("T"))));
    }

    @Test
    void productSizesMultiplyTheirBindings() {
        Shape s = new Shape(java.util.List.of(Dim.product(Dim.of(2), Dim.of("T"), Dim.of("B")), Dim.of(3)));
        assertEquals("(2*B*T, 3)", s.toString());
        assertEquals(java.util.List.of(60, 3), java.util.Arrays.stream(s.sizes(Map.of("T", 5, "B", 6))).boxed().toList());
        assertEquals(java.util.List.of(0, 3), java.util.Arrays.stream(s.sizes(Map.of("T", 0, "B", 6))).boxed().toList());
        assertThrows(IllegalStateException.class, () -> s.sizes(Map.of("T", 5)));
    }
}
