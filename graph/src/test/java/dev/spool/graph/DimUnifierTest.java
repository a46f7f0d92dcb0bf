package dev.spool.graph;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DimUnifierTest {

    @Test
    void symbolsJoinAndBindTransitively() {
        var u = new DimUnifier();
        u.unify(Dim.of("B"), Dim.of("N"));
        assertTrue(u.same(Dim.of("B"), Dim.of("N")));
        u.unify(Dim.of("N"), Dim.of(5));
        assertEquals(Dim.of(5), u.resolve(Dim.of("B")));
        assertEquals(Shape.of(5, 3), u.resolve(Shape.of("B", 3)));
    }

    @Test
    void differentSizesDoNotUnify() {
        var u = new DimUnifier();
        u.unify(Dim.of("B"), Dim.of(4));
        assertThrows(ShapeException.class, () -> u.unify(Dim.of("B"), Dim.of(5)));
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
}
