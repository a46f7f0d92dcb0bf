package dev.spool.program.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A kernel expression read from text keeps the text, counts its operations, and builds the same graph on demand. */
class KernelExpressionTest {
    /** out0 = tanh(in0) * 0.5 + in1: a constant and three operations. */
    private static Graph graph() {
        Builder b = new Builder();
        Value x = b.input("in0", DType.F32, 2, 3);
        Value y = b.input("in1", DType.F32, 2, 3);
        return b.build("out0", b.add(b.mul(b.tanh(x), b.scalar(0.5, DType.F32)), y));
    }

    @Test
    void readTextIsKeptAndGivesTheGraphItWasPrintedFrom() {
        KernelExpression printed = KernelExpression.of(graph());
        String text = printed.text();
        KernelExpression read = KernelExpression.parse(text);
        assertEquals(text, read.text());
        assertEquals(printed.operations(), read.operations());
        assertEquals(4, read.operations(), "tanh, the constant, mul, add");
        assertEquals(text, KernelExpression.of(read.graph()).text(), "text → graph → text");
        assertEquals(printed, read, "equal when the texts are");
        assertEquals(printed.hashCode(), read.hashCode());
    }

    @Test
    void malformedTextIsRefusedWhenRead() {
        String text = KernelExpression.of(graph()).text();
        assertThrows(IllegalArgumentException.class, () -> KernelExpression.parse(text.replace(" | ", " ")));
        String outOfOrder = assertThrows(IllegalArgumentException.class, () -> KernelExpression.parse(text.replace("%2=", "%5="))).getMessage();
        assertTrue(outOfOrder.contains("out of order"), outOfOrder);
        String dangling = assertThrows(IllegalArgumentException.class, () -> KernelExpression.parse(text.replaceAll("out0=%[0-9]+", "out0=%9"))).getMessage();
        assertTrue(dangling.contains("names no value"), dangling);
    }
}
