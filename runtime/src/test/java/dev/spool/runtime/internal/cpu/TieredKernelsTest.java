package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TieredKernels}: the scalar form serves at once; a vector form proven faster takes over (and
 * serves later requests directly), one that is not stays out for good, and each vector form is made
 * once per key. As in {@link KernelWarmupTest}, the kernels differ by three orders of magnitude (one
 * spins a millisecond a call, the other returns), so the outcomes do not depend on how busy the
 * machine is.
 */
class TieredKernelsTest {
    private static final KernelLayout LAYOUT = new KernelLayout(new int[] {4, 64}, new int[][] {{64, 1}, {64, 1}});
    private static final int[] SIZES = {4, 4};
    private static final ByteBuffer MEM = ByteBuffer.allocateDirect(16);

    /** A kernel that records which form ran in {@code mem}'s first int. */
    private static CpuKernel marking(int mark, boolean spin) {
        return (mem, args) -> {
            if (mem == MEM) {
                mem.putInt(0, mark);
            }
            long until = System.nanoTime() + (spin ? 1_000_000 : 0);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        };
    }

    private static int served(CpuKernel k) {
        MEM.putInt(0, 0);
        k.run(MEM, new int[0]);
        return MEM.getInt(0);
    }

    /** Waits (at most a minute) until {@code k} is served by the form marked {@code mark}. */
    private static void awaitServed(CpuKernel k, int mark) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (served(k) != mark && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(mark, served(k), "form serving");
    }

    @Test
    void theScalarFormServesUntilAFasterVectorFormTakesOver() throws InterruptedException {
        TieredKernels tiers = new TieredKernels("test-warmup", 60_000_000_000L);
        AtomicInteger made = new AtomicInteger();
        CpuKernel vector = marking(2, false);
        java.util.function.Supplier<CpuKernel> make = () -> {
            made.incrementAndGet();
            return vector;
        };
        CpuKernel k = tiers.serve("key", marking(1, true), make, 0, LAYOUT, SIZES);
        awaitServed(k, 2);
        assertFalse(k.provisional(), "the vector form serves for good");
        assertSame(vector, tiers.serve("key", marking(1, true), make, 0, LAYOUT, SIZES), "a proven vector form serves directly");
        assertEquals(1, made.get(), "the vector form is made once");
    }

    @Test
    void aVectorFormThatIsNotFasterNeverServes() throws InterruptedException {
        TieredKernels tiers = new TieredKernels("test-warmup", 200_000_000L);
        CpuKernel scalar = marking(1, false);
        CpuKernel k = tiers.serve("key", scalar, () -> marking(2, true), 0, LAYOUT, SIZES);
        assertEquals(1, served(k));
        // After the budget, a later request gets the scalar form itself, without another trial.
        long deadline = System.nanoTime() + 60_000_000_000L;
        CpuKernel later;
        do {
            Thread.sleep(20);
            later = tiers.serve("key", scalar, () -> {
                throw new AssertionError("not made again");
            }, 0, LAYOUT, SIZES);
        } while (later != scalar && System.nanoTime() < deadline);
        assertSame(scalar, later);
        assertEquals(1, served(k), "the first request's kernel still runs the scalar form");
        assertFalse(k.provisional(), "and no faster form is coming to it");
    }

    @Test
    void aKernelPreparedAheadOfNeedIsNotMadeAgain() throws InterruptedException {
        TieredKernels tiers = new TieredKernels("test-warmup", 60_000_000_000L);
        CpuKernel vector = marking(2, false);
        tiers.prepare("key", () -> vector);
        assertSame(vector, tiers.prepared("key"));
        CpuKernel k = tiers.serve("key", marking(1, true), () -> {
            throw new AssertionError("not made again");
        }, 0, LAYOUT, SIZES);
        awaitServed(k, 2);
        assertTrue(tiers.prepared("other") == null);
    }
}
