package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KernelWarmup#warmAgainst}'s decision: a kernel is proven only once it runs the warm-up rows
 * at least as fast as the kernel serving meanwhile. The kernels here differ by three orders of
 * magnitude (one spins a millisecond a call, the other returns), so the outcome does not depend on
 * how busy the machine is.
 */
class KernelWarmupTest {
    private static final KernelLayout LAYOUT = new KernelLayout(new int[] {4, 64}, new int[][] {{64, 1}, {64, 1}});
    private static final int[] SIZES = {4, 4};

    private static CpuKernel spinning(AtomicInteger calls) {
        return (mem, args) -> {
            calls.incrementAndGet();
            long until = System.nanoTime() + 1_000_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        };
    }

    @Test
    void aKernelSlowerThanTheServingOneIsNotProvenWithinTheBudget() {
        AtomicInteger calls = new AtomicInteger();
        long start = System.nanoTime();
        assertFalse(KernelWarmup.warmAgainst(spinning(calls), (mem, args) -> { }, 0, LAYOUT, SIZES, 300_000_000L));
        assertTrue(calls.get() >= 50, "it was run: " + calls.get());
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "it stopped after its budget");
    }

    @Test
    void aKernelFasterThanTheServingOneIsProven() {
        AtomicInteger calls = new AtomicInteger();
        assertTrue(KernelWarmup.warmAgainst((mem, args) -> calls.incrementAndGet(), spinning(new AtomicInteger()), 0, LAYOUT, SIZES, 60_000_000_000L));
        assertTrue(calls.get() >= 100, "two batches ran: " + calls.get());
    }

    @Test
    void theWarmUpRowsAreInsideTheScratchBuffer() {
        // Every operand's last element of the warm-up rows lies within the buffer the kernel gets.
        KernelWarmup.warmAgainst((mem, args) -> {
            int rank = 2;
            for (int o = 0; o < 2; o++) {
                int base = rank + o * (1 + rank);
                long last = args[base] + (long) (args[0] - 1) * args[base + 1] + (long) (args[1] - 1) * args[base + 2];
                assertTrue(last + 4 <= mem.capacity() || args[base + 1] == 0, "operand " + o + " ends at " + last + " of " + mem.capacity());
            }
        }, (mem, args) -> { }, 0, LAYOUT, SIZES, 10_000_000L);
    }
}
