package dev.spool.runtime.internal.cpu;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Serves a generated kernel's scalar form until its Vector API form is proven faster. A Vector API
 * kernel runs 50–100× slower than compiled until C2 has it (every vector operation is an allocating
 * library call in the interpreter and C1), which takes longer than a whole first run or a first
 * training epoch; the scalar form of the same kernel (the same bits: both compute every element
 * with the same float operations) reaches C1 within milliseconds. So the scalar form serves
 * ({@link TieredKernel}) while one daemon thread warms the vector form and times both alternately
 * ({@link KernelWarmup#warmAgainst}); the vector form takes over once it is at least as fast, and
 * one that does not get there within the budget is never served. An artifact's kernels go through
 * one of these ({@code ArtifactKernels}: the artifact ships both forms). The compiler's kernels do
 * not: tried, it gave a first training epoch nothing and slowed a program's next runs (README).
 *
 * <pre>{@code
 * TieredKernels tiers = new TieredKernels("spool-kernel-warmup", TieredKernels.PROOF_BUDGET_NANOS);
 * CpuKernel k = tiers.serve(key, scalarForm, () -> warmedVectorForm(), lanes, layout, elementSizes);
 * }</pre>
 */
public final class TieredKernels {
    /**
     * How long a vector kernel may take to prove itself faster than its scalar form: C2 compiles one
     * within a second on an idle machine; the limit bounds the core the warm-up thread takes from a
     * busy one.
     */
    public static final long PROOF_BUDGET_NANOS = 4_000_000_000L;
    private final long budgetNanos;
    /** Vector kernels proven at compiled speed: served directly. */
    private final ConcurrentHashMap<String, CpuKernel> proven = new ConcurrentHashMap<>();
    /** Vector kernels made and warmed, not yet proven faster than their scalar form. */
    private final ConcurrentHashMap<String, CpuKernel> candidates = new ConcurrentHashMap<>();
    /** Vector kernels that did not prove themselves within the budget: their scalar forms serve for good. */
    private final Set<String> unproven = ConcurrentHashMap.newKeySet();
    /** One daemon thread that warms kernels in the order they were asked for; it ends when idle. */
    private final ThreadPoolExecutor warmer;

    /** A registry whose warm-up thread has this name, and that gives a vector kernel {@code budgetNanos} to prove itself. */
    public TieredKernels(String thread, long budgetNanos) {
        this.budgetNanos = budgetNanos;
        warmer = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
        });
        warmer.allowCoreThreadTimeOut(true);   // a service that loads many models keeps no idle thread per model
    }

    /**
     * The kernel to serve for the vector kernel {@code key}: the vector form once proven, the scalar
     * form for good once it failed to prove itself, and otherwise the scalar form now and the vector
     * form ({@code vector} makes and warms it, on the warm-up thread, once per key) when it has been
     * proven faster.
     */
    public CpuKernel serve(String key, CpuKernel scalar, Supplier<CpuKernel> vector, int lanes, KernelLayout layout, int[] elementSizes) {
        CpuKernel ready = proven.get(key);
        if (ready != null) {
            return ready;
        }
        if (unproven.contains(key)) {
            return scalar;
        }
        TieredKernel tiered = new TieredKernel(scalar);
        warmer.execute(() -> {
            CpuKernel v = once(candidates, key, vector);
            if (proven.get(key) == v || !unproven.contains(key)
                    && KernelWarmup.warmAgainst(v, scalar, lanes, layout, elementSizes, budgetNanos)) {
                proven.putIfAbsent(key, v);
                tiered.upgrade(v);
            } else {
                tiered.settle();
                unproven.add(key);   // a later binding of the same kernel does not spend another budget on it
            }
        });
        return tiered;
    }

    /** Makes and warms the vector kernel {@code key} ahead of need (once), on the caller's thread. */
    public void prepare(String key, Supplier<CpuKernel> vector) {
        once(candidates, key, vector);
    }

    /** The vector kernel {@code key} if it was prepared ahead of need, else null. */
    public CpuKernel prepared(String key) {
        return candidates.get(key);
    }

    /** Runs {@code task} on the warm-up thread, after the warm-ups asked for before it. */
    public void execute(Runnable task) {
        warmer.execute(task);
    }

    /**
     * The kernel of this key, made by {@code make} if no thread has made it yet. Made outside the
     * map's locks: a warm-up takes up to hundreds of milliseconds, and a lock held that long would
     * stall the other thread's lookups of unrelated keys that share its bin. Two threads may
     * rarely both make one; the first stored wins.
     */
    public static CpuKernel once(ConcurrentHashMap<String, CpuKernel> map, String key, Supplier<CpuKernel> make) {
        CpuKernel k = map.get(key);
        if (k != null) {
            return k;
        }
        CpuKernel made = make.get();
        CpuKernel raced = map.putIfAbsent(key, made);
        return raced != null ? raced : made;
    }
}
