package dev.spool.program.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link View#apartFrom}: which pairs of views of one buffer never share an element. */
class ViewTest {
    private static View view(int buffer, int offset, int[] shape, int[] strides, int... loopStrides) {
        return new View(buffer, offset, shape, strides, loopStrides);
    }

    @Test
    void stepSlotsOfAStackAreApartAndOverlappingSpansAreNot() {
        // A stack of (2 × 4) slots, one per step: step t's slot and step t + 1's never meet.
        View now = view(3, 0, new int[] {2, 4}, new int[] {4, 1}, 8);
        View next = view(3, 8, new int[] {2, 4}, new int[] {4, 1}, 8);
        assertTrue(now.apartFrom(next));
        assertTrue(next.apartFrom(now));
        // Shifted by one row only: rows 1 of one and 0 of the other are the same elements.
        View shifted = view(3, 4, new int[] {2, 4}, new int[] {4, 1}, 8);
        assertFalse(now.apartFrom(shifted));
        assertFalse(now.apartFrom(now), "a view shares every element with itself");
    }

    @Test
    void interleavedColumnsAndDifferentMotionOrBuffersAreNotJudgedApart() {
        // Columns 0..1 and 2..3 of the same rows: no shared element, but the spans interleave, so
        // the conservative answer is "may meet".
        View left = view(1, 0, new int[] {2, 2}, new int[] {4, 1});
        View right = view(1, 2, new int[] {2, 2}, new int[] {4, 1});
        assertFalse(left.apartFrom(right));
        // The same slots moving at different rates meet at some step.
        assertFalse(view(3, 0, new int[] {4}, new int[] {1}, 8).apartFrom(view(3, 8, new int[] {4}, new int[] {1}, 4)));
        // Another buffer: its bytes are the memory plan's business, not the view's.
        assertFalse(view(3, 0, new int[] {4}, new int[] {1}).apartFrom(view(4, 100, new int[] {4}, new int[] {1})));
        // A reversed axis (negative stride) spans backwards from its offset.
        View reversed = view(2, 7, new int[] {4}, new int[] {-1});
        assertFalse(reversed.apartFrom(view(2, 4, new int[] {1}, new int[] {1})));
        assertTrue(reversed.apartFrom(view(2, 8, new int[] {2}, new int[] {1})));
    }
}
