package dev.spool.runtime.internal.cpu;

/**
 * Holds the vector forms' warm-ups back while a loaded artifact's first run is under way: on two
 * cores the first run, the JIT's compiler threads and the warm-up threads share the machine, and
 * the warm-ups (interpreted Vector API code, then C2 compiling both it and the Vector API's Java
 * fallbacks) took the core that the first run's scalar forms needed. Held back, the LSTM H256
 * artifact's load and first run took 0.44–0.50 s against 0.54–0.77 (median 462 ms against 649,
 * alternating rounds; the next 20 runs, which now pay for the warm-ups, 43–108 ms against 36–97;
 * the steady state after 3 s unchanged). A warm-up waits at its next call while a hold is on (an artifact's warm-ups start
 * at load, so a service that loads before its first request has them done or under way by then),
 * and the time it waits does not count against its budget. Only warm-up threads wait: a thread that
 * needs a kernel and warms it itself (a first run meeting a vector kernel without a scalar form)
 * never does, since it may be the very run that holds. A hold ends with the first run, or at
 * the latest {@link #MAX_HOLD_NANOS} after it began, so that a long first run still gets its
 * vector forms part-way. The scalar forms' warm-ups are not held: they serve the first run. Nothing
 * is held unless an artifact is run, so programs compiled in-process ({@code spool train}) warm up
 * as before.
 *
 * <pre>{@code
 * WarmupGate.Hold firstRun = WarmupGate.hold();
 * try { ... } finally { firstRun.release(); }
 * }</pre>
 */
public final class WarmupGate {
    /** The longest a hold lasts. */
    static final long MAX_HOLD_NANOS = 1_500_000_000L;
    private static final Object LOCK = new Object();
    /** Holds neither released nor expired (guarded by {@link #LOCK}); a model loaded and never run leaves one that expires. */
    private static final java.util.List<Hold> ACTIVE = new java.util.ArrayList<>();
    /** {@code ACTIVE.size()}, for the fast path that takes no lock. */
    private static volatile int active;

    private WarmupGate() {
    }

    /** A hold on the vector warm-ups, released once (later calls do nothing). */
    public static final class Hold {
        private final long deadline;
        private volatile boolean released;

        private Hold(long deadline) {
            this.deadline = deadline;
        }

        /** Lets the warm-ups go on (unless another hold is still on); cheap once released. */
        public void release() {
            if (released) {
                return;
            }
            synchronized (LOCK) {
                released = true;
                ACTIVE.remove(this);
                active = ACTIVE.size();
                LOCK.notifyAll();
            }
        }
    }

    /** Holds the vector warm-ups until the hold is released or {@link #MAX_HOLD_NANOS} have passed. */
    public static Hold hold() {
        return hold(MAX_HOLD_NANOS);
    }

    static Hold hold(long nanos) {
        synchronized (LOCK) {
            Hold h = new Hold(System.nanoTime() + nanos);
            ACTIVE.add(h);
            active = ACTIVE.size();
            return h;
        }
    }

    /**
     * Waits while a hold is on and not expired; a vector form's warm-up calls this before each of
     * its calls. Returns the nanoseconds it waited, which the caller adds to its time budget.
     */
    static long awaitOpen() {
        if (active == 0) {
            return 0;
        }
        long start = System.nanoTime();
        synchronized (LOCK) {
            long left;
            while ((left = longestHeldNanos()) > 0) {
                try {
                    LOCK.wait(left / 1_000_000 + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return System.nanoTime() - start;
    }

    /** Drops expired holds; the time until the last of the others expires, or 0 when none is on (caller holds {@link #LOCK}). */
    private static long longestHeldNanos() {
        long now = System.nanoTime();
        ACTIVE.removeIf(h -> h.deadline - now <= 0);
        active = ACTIVE.size();
        long left = 0;
        for (Hold h : ACTIVE) {
            left = Math.max(left, h.deadline - now);
        }
        return left;
    }

    /** Whether warm-ups would wait now (for tests). */
    static boolean held() {
        synchronized (LOCK) {
            return longestHeldNanos() > 0;
        }
    }
}
