package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Vector warm-ups wait while a hold is on, until it is released or expires. */
class WarmupGateTest {
    /** Runs {@code r} on a daemon thread; the latch opens when it has returned. */
    private static CountDownLatch onDaemon(Runnable r) {
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            r.run();
            done.countDown();
        });
        t.setDaemon(true);
        t.start();
        return done;
    }

    private static CountDownLatch waiter() {
        return onDaemon(WarmupGate::awaitOpen);
    }

    @Test
    void aWarmUpWaitsUntilTheHoldIsReleased() throws InterruptedException {
        WarmupGate.Hold h = WarmupGate.hold(60_000_000_000L);
        try {
            CountDownLatch passed = waiter();
            assertFalse(passed.await(200, TimeUnit.MILLISECONDS), "went on while held");
            h.release();
            assertTrue(passed.await(30, TimeUnit.SECONDS), "still waiting after the release");
        } finally {
            h.release();
        }
        assertFalse(WarmupGate.held());
    }

    @Test
    void aHoldExpires() throws InterruptedException {
        WarmupGate.Hold h = WarmupGate.hold(100_000_000L);
        try {
            assertTrue(waiter().await(30, TimeUnit.SECONDS), "still waiting after the hold expired");
        } finally {
            h.release();
        }
    }

    @Test
    void aHoldNeverReleasedStopsHoldingWhenItExpires() throws InterruptedException {
        WarmupGate.hold(100_000_000L);   // a model loaded and never run
        WarmupGate.Hold h = WarmupGate.hold(60_000_000_000L);
        h.release();
        assertTrue(waiter().await(30, TimeUnit.SECONDS), "a hold that expired still held the warm-ups back");
        assertFalse(WarmupGate.held());
    }

    private static CountDownLatch warming(boolean background) {
        KernelLayout layout = new KernelLayout(new int[] {2, 64}, new int[][] {{64, 1}});
        return onDaemon(() -> KernelWarmup.warm((mem, args) -> { }, 16, layout, new int[] {4}, background));
    }

    @Test
    void aThreadThatNeedsTheKernelWarmsItWithoutWaiting() throws InterruptedException {
        WarmupGate.Hold h = WarmupGate.hold(60_000_000_000L);
        try {
            assertTrue(warming(false).await(30, TimeUnit.SECONDS), "a first run warming its own kernel waited for its own hold");
            CountDownLatch background = warming(true);
            assertFalse(background.await(200, TimeUnit.MILLISECONDS), "a warm-up thread went on while held");
            h.release();
            assertTrue(background.await(30, TimeUnit.SECONDS), "still waiting after the release");
        } finally {
            h.release();
        }
    }

    @Test
    void releasingTwiceReleasesOneHold() {
        WarmupGate.Hold a = WarmupGate.hold(60_000_000_000L);
        WarmupGate.Hold b = WarmupGate.hold(60_000_000_000L);
        try {
            a.release();
            a.release();
            assertTrue(WarmupGate.held(), "b still holds");
        } finally {
            b.release();
        }
        assertFalse(WarmupGate.held());
    }
}
