package dev.spool.runtime.internal.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * One daemon thread that shares a piece of work split into chunks with the calling thread: the
 * column panels of a scan step's recurrent GEMM, the halves of a large OpenBLAS product, the two
 * halves of a row-split batch. The caller takes chunks from the front and the helper from the back
 * until they meet, so a helper that the OS has not scheduled (another process, a JIT or warm-up
 * thread on the second core) costs at most the chunk it is in: the caller takes the rest, and
 * does not wait for a helper that never joined. Taking from both ends keeps each core on about the
 * same chunks from one call to the next, so a step's half of a recurrent weight stays in that
 * core's L2 cache (in a program, the LSTM H256 step's GEMM took 81 µs with chunks from one counter,
 * 70 from both ends).
 *
 * <p>Why a thread of our own and not OpenBLAS's: a scan step's GEMM lasts 40–100 µs, so the
 * hand-over must cost about a microsecond; the helper spins for {@link #SPIN_NANOS} after each task
 * (longer than a step's other kernels take) and only then parks; after a task that came later than
 * that, it spins only briefly, leaving the core to the JIT while a program's first runs are slow.
 * OpenBLAS's own worker spins for about 0.1 s after every call it parallelises, and one spinning on
 * the second core made the split step five times slower (219 µs against 42, the LSTM H256 step), so while this helper is on,
 * OpenBLAS runs every call on its calling thread ({@link Blas#preload}) and Spool splits the large
 * ones ({@link GemmExec}).
 *
 * <p>One task at a time: a caller that finds the helper taken (another thread's task, or a task
 * nested in one) runs every chunk itself. What a chunk computes never depends on the thread that
 * ran it, so results have the same bits either way. {@code -Dspool.secondCore=false} (or a
 * one-core machine) runs everything on the calling thread.
 *
 * <pre>{@code
 * SecondCore.forEach(panels / 2, chunk -> multiply(2 * chunk, 2 * chunk + 2));
 * }</pre>
 */
public final class SecondCore {
    /** Whether the helper is used: on unless {@code -Dspool.secondCore=false}, and only with two cores or more. */
    public static final boolean ENABLED = !"false".equals(System.getProperty("spool.secondCore"))
            && Runtime.getRuntime().availableProcessors() >= 2;
    /**
     * How long the helper spins for the next task before it parks ({@code -Dspool.secondCoreSpinMicros},
     * default 300 µs: a few scan steps).
     */
    private static final long SPIN_NANOS = 1000L * Long.getLong("spool.secondCoreSpinMicros", 300L);
    /** The spin after a task that came later than {@link #SPIN_NANOS} after the one before. */
    private static final long SHORT_SPIN_NANOS = Math.min(SPIN_NANOS, 30_000L);
    private static final int OPEN = 0;
    private static final int JOINED = 1;
    private static final int CLOSED = 2;

    private static final AtomicBoolean TAKEN = new AtomicBoolean();
    /** The task's ticket times 4 plus its state: OPEN, JOINED by the helper, or CLOSED by the caller before the helper joined. */
    private static final AtomicLong STATE = new AtomicLong();
    /** The chunks not yet taken: {@code [lo, hi)} as {@code lo << 32 | hi}. */
    private static final AtomicLong LEFT = new AtomicLong();
    private static volatile IntConsumer task;
    private static volatile long posted;
    private static volatile long finished;
    private static volatile Throwable failure;
    private static volatile boolean parked;
    private static Thread helper;

    private SecondCore() {
    }

    /**
     * Runs {@code work} on every chunk {@code 0..count-1}, each exactly once, on this thread and the
     * helper; returns when all are done. An exception from a chunk is rethrown here once every chunk
     * that started has ended (this thread's first).
     */
    public static void forEach(int count, IntConsumer work) {
        if (count <= 1 || !tryForEach(count, work)) {
            for (int i = 0; i < count; i++) {
                work.accept(i);
            }
        }
    }

    /** {@code mine} and {@code theirs} as two chunks of {@link #forEach}. */
    public static void run(Runnable mine, Runnable theirs) {
        if (!tryRun(mine, theirs)) {
            mine.run();
            theirs.run();
        }
    }

    /** As {@link #run} when the helper is free; otherwise runs nothing and returns false. */
    public static boolean tryRun(Runnable mine, Runnable theirs) {
        if (!ENABLED || !TAKEN.compareAndSet(false, true)) {
            return false;
        }
        // The pair goes through fields rather than a capturing lambda: a scan step calls this for
        // several instructions, and a step allocates nothing (SteadyStateAllocationTest).
        pairMine = mine;
        pairTheirs = theirs;
        try {
            share(2, PAIR);
            return true;
        } finally {
            pairMine = null;
            pairTheirs = null;
            TAKEN.set(false);
        }
    }

    /** The halves of the pair being run; set only while {@link #TAKEN} is held, before the task is posted. */
    private static Runnable pairMine;
    private static Runnable pairTheirs;
    private static final IntConsumer PAIR = i -> (i == 0 ? pairMine : pairTheirs).run();

    private static boolean tryForEach(int count, IntConsumer work) {
        if (!ENABLED || !TAKEN.compareAndSet(false, true)) {
            return false;
        }
        try {
            share(count, work);
            return true;
        } finally {
            TAKEN.set(false);
        }
    }

    /** Runs the task on both threads; the caller holds {@link #TAKEN}. */
    private static void share(int count, IntConsumer work) {
        Thread h = helper();
        long ticket = posted + 1;
        failure = null;
        task = work;
        LEFT.set(count);
        STATE.set(ticket * 4 + OPEN);
        posted = ticket;
        if (parked) {
            LockSupport.unpark(h);
        }
        Throwable mine = null;
        try {
            take(work, true);
        } catch (RuntimeException | Error e) {
            mine = e;
            // The helper may still be in a chunk; let it finish the rest before we return.
        }
        if (!STATE.compareAndSet(ticket * 4 + OPEN, ticket * 4 + CLOSED)) {
            while (finished != ticket) {
                Thread.onSpinWait();
            }
        }
        Throwable theirs = failure;
        if (mine != null) {
            rethrow(mine);
        }
        if (theirs != null) {
            rethrow(theirs);
        }
    }

    private static void take(IntConsumer work, boolean front) {
        while (true) {
            long left = LEFT.get();
            int lo = (int) (left >>> 32);
            int hi = (int) left;
            if (lo >= hi) {
                return;
            }
            long rest = front ? (long) (lo + 1) << 32 | hi : (long) lo << 32 | (hi - 1);
            if (LEFT.compareAndSet(left, rest)) {
                work.accept(front ? lo : hi - 1);
            }
        }
    }

    private static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        throw (Error) t;
    }

    private static synchronized Thread helper() {
        if (helper == null) {
            helper = new Thread(SecondCore::serve, "spool-second-core");
            helper.setDaemon(true);
            helper.start();
        }
        return helper;
    }

    private static void serve() {
        long seen = 0;
        long spin = SPIN_NANOS;
        while (true) {
            long idleSince = System.nanoTime();
            long spinUntil = idleSince + spin;
            while (posted == seen) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                // Checked again after announcing the park: a caller posts, then reads parked.
                if (posted == seen) {
                    LockSupport.park(SecondCore.class);
                }
                parked = false;
                spinUntil = System.nanoTime() + spin;
            }
            seen = posted;
            // Spin long only while tasks come within the spin: in a program's first runs the kernels
            // are interpreted, steps take milliseconds, and a spinning helper would take the second
            // core from the JIT's compiler threads (the LSTM H256 artifact's first run took 2.2–2.4 s
            // with a 300 µs spin after every task, 1.7–1.8 s with 30 µs).
            spin = System.nanoTime() - idleSince <= SPIN_NANOS ? SPIN_NANOS : SHORT_SPIN_NANOS;
            if (!STATE.compareAndSet(seen * 4 + OPEN, seen * 4 + JOINED)) {
                continue; // the caller finished it alone (or a newer task is already posted)
            }
            try {
                take(task, false);
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            finished = seen;
        }
    }
}
