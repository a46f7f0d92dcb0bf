package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiered kernel is a stand-in until a faster form replaces it or none is coming. */
class TieredKernelTest {
    private static final CpuKernel NOTHING = (mem, args) -> { };

    @Test
    void aStandInIsProvisionalUntilUpgraded() {
        TieredKernel k = new TieredKernel(NOTHING);
        assertTrue(k.provisional());
        k.upgrade(NOTHING);
        assertFalse(k.provisional());
    }

    @Test
    void aStandInThatStaysIsNoLongerProvisional() {
        TieredKernel k = new TieredKernel(NOTHING);
        k.settle();
        assertFalse(k.provisional());
    }

    @Test
    void generatedKernelsAreNotProvisional() {
        assertFalse(NOTHING.provisional());
    }
}
