package dev.spool.runtime.internal;

import dev.spool.program.internal.Instr;
import dev.spool.runtime.ArtifactException;
import dev.spool.runtime.internal.cpu.Blas;
import dev.spool.runtime.internal.cpu.CpuKernel;
import dev.spool.runtime.internal.cpu.KernelKey;
import dev.spool.runtime.internal.cpu.KernelLayout;
import dev.spool.runtime.internal.cpu.KernelProvider;
import dev.spool.runtime.internal.cpu.KernelWarmup;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The kernels of an artifact: class files compiled when the artifact was written, each defined in
 * a class loader of its own the first time a program needs it, and warmed up once on a background
 * thread while its scalar form serves (see {@link TieredKernel}). Nothing is
 * generated or compiled here; a kernel the artifact does not have (a layout the compiler did not
 * foresee for some sizes) is an {@link ArtifactException} that says which sizes to fix instead.
 */
public final class ArtifactKernels implements KernelProvider {
    /**
     * A kernel class in the artifact: its class file, its source (for inspection), its vector width,
     * the widest vectors it was generated for, and the shape of its iteration space (rank, each
     * operand's innermost stride: 0 broadcast, 1 contiguous, -1 strided; element sizes), enough to
     * warm it up before any program needs it.
     */
    public record Entry(byte[] classFile, String source, int lanes, int maxLanes, int rank, int[] innerStrides, int[] elementSizes) {
    }

    private final String artifact;
    private final Map<String, Entry> entries;
    /** Kernels ready to serve: scalar ones, and vector ones proven at compiled speed (or served without a scalar form). */
    private final ConcurrentHashMap<String, CpuKernel> defined = new ConcurrentHashMap<>();
    /** Vector kernels defined and warmed ahead of need, not yet proven faster than their scalar form. */
    private final ConcurrentHashMap<String, CpuKernel> candidates = new ConcurrentHashMap<>();
    /** Vector kernels that did not prove themselves within the budget: their scalar forms serve for good. */
    private final java.util.Set<String> unproven = ConcurrentHashMap.newKeySet();
    /**
     * How long a vector kernel may take to prove itself faster than its scalar form: C2 compiles one
     * within a second on an idle machine; the limit bounds the core the warm-up thread takes from a
     * busy one.
     */
    private static final long PROOF_BUDGET_NANOS = 4_000_000_000L;
    /** One daemon thread that loads BLAS and warms kernels, in the order they were asked for; it ends when idle. */
    private final ThreadPoolExecutor warmer = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "spool-kernel-warmup");
        t.setDaemon(true);
        return t;
    });

    {
        warmer.allowCoreThreadTimeOut(true);   // a service that loads many models keeps no idle thread per model
    }

    public ArtifactKernels(String artifact, Map<String, Entry> entries) {
        this.artifact = artifact;
        this.entries = Map.copyOf(entries);
    }

    @Override
    public Prepared kernel(Instr.Kernel k, KernelLayout layout, int maxFloatLanes, int[] elementSizes) {
        String key = KernelKey.of(k, layout, maxFloatLanes);
        Entry e = entries.get(key);
        if (e == null) {
            throw new ArtifactException(artifact + " has no kernel for this layout (" + KernelKey.layoutPart(layout, maxFloatLanes)
                    + "); compile the artifact with these sizes fixed (--batch, --steps)");
        }
        CpuKernel ready = defined.get(key);
        if (ready != null) {
            return new Prepared(ready, e.source());
        }
        String scalarKey = KernelKey.of(k, layout, 0);
        Entry scalar = KernelWarmup.ENABLED && e.lanes() > 0 ? entries.get(scalarKey) : null;
        if (scalar == null) {
            return new Prepared(once(defined, key, () -> candidates.containsKey(key) ? candidates.get(key) : warmed(e, layout, elementSizes)), e.source());
        }
        // A Vector API kernel runs 50-100x slower than compiled until C2 has it, which takes longer
        // than a whole first run; the scalar form of the same kernel (the same bits: both compute
        // every element with the same float operations) reaches C1 within milliseconds. So the
        // scalar one serves until the vector one runs faster than it, and then the vector one takes
        // over; one that does not within the budget is never served by this program.
        CpuKernel scalarKernel = once(defined, scalarKey, () -> define(scalar.classFile()));
        if (unproven.contains(key)) {
            return new Prepared(scalarKernel, e.source());
        }
        TieredKernel tiered = new TieredKernel(scalarKernel);
        warmer.execute(() -> {
            CpuKernel vector = once(candidates, key, () -> warmed(e, layout, elementSizes));
            if (defined.get(key) == vector || !unproven.contains(key)
                    && KernelWarmup.warmAgainst(vector, scalarKernel, e.lanes(), layout, elementSizes, PROOF_BUDGET_NANOS)) {
                defined.putIfAbsent(key, vector);
                tiered.upgrade(vector);
            } else {
                unproven.add(key);   // a later binding of the same kernel does not spend another budget on it
            }
        });
        return new Prepared(tiered, e.source());
    }

    /**
     * The kernel of this key, made by {@code make} if no thread has made it yet. Made outside the
     * map's locks: a warm-up takes up to hundreds of milliseconds, and a lock held that long would
     * stall the other thread's lookups of unrelated keys that share its bin. Two threads may
     * rarely both make one; the first stored wins.
     */
    private static CpuKernel once(ConcurrentHashMap<String, CpuKernel> map, String key, java.util.function.Supplier<CpuKernel> make) {
        CpuKernel k = map.get(key);
        if (k != null) {
            return k;
        }
        CpuKernel made = make.get();
        CpuKernel raced = map.putIfAbsent(key, made);
        return raced != null ? raced : made;
    }

    private CpuKernel warmed(Entry e, KernelLayout layout, int[] elementSizes) {
        CpuKernel made = define(e.classFile());
        if (KernelWarmup.ENABLED) {
            KernelWarmup.warm(made, e.lanes(), layout, elementSizes);
        }
        return made;
    }

    /**
     * Loads OpenBLAS, then defines and warms, on a daemon thread, the kernels this JVM's vector width will use at full
     * width (the case of any innermost length that is a multiple of it), so that while the first
     * run binds its program and loads BLAS, the other core brings the kernels to compiled speed.
     * A run that needs a kernel still being warmed waits for it, as it would have warmed it itself.
     */
    public void warmInBackground(int maxFloatLanes) {
        if (!KernelWarmup.ENABLED) {
            return;
        }
        warmer.execute(() -> {
            Blas.preload();
            for (Map.Entry<String, Entry> en : entries.entrySet()) {
                Entry e = en.getValue();
                if (e.maxLanes() != maxFloatLanes || (e.lanes() != 0 && e.lanes() < maxFloatLanes / 2) || strided(e)) {
                    continue;
                }
                int inner = Math.max(1, 8 * Math.max(1, e.lanes()));
                int[] sizes = new int[e.rank()];
                java.util.Arrays.fill(sizes, 2);
                sizes[sizes.length - 1] = inner;
                int[][] strides = new int[e.innerStrides().length][e.rank()];
                for (int o = 0; o < strides.length; o++) {
                    strides[o][e.rank() - 1] = e.innerStrides()[o];
                }
                KernelLayout layout = new KernelLayout(sizes, strides);
                if (!en.getKey().startsWith(KernelKey.layoutPart(layout, maxFloatLanes) + " expr ")) {
                    continue;   // another innermost length's choice of width
                }
                once(e.lanes() > 0 ? candidates : defined, en.getKey(), () -> warmed(e, layout, e.elementSizes()));
            }
        });
    }

    private static boolean strided(Entry e) {
        for (int s : e.innerStrides()) {
            if (s < 0) {
                return true;
            }
        }
        return false;
    }


    private CpuKernel define(byte[] classFile) {
        ClassLoader loader = new ClassLoader(ArtifactKernels.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (!name.equals(KERNEL_CLASS)) {
                    throw new ClassNotFoundException(name);
                }
                return defineClass(name, classFile, 0, classFile.length);
            }
        };
        try {
            return (CpuKernel) loader.loadClass(KERNEL_CLASS).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | ClassCastException ex) {
            throw new ArtifactException(artifact + ": a kernel class does not load (" + ex + "); recompile the artifact with this Spool version", ex);
        }
    }

    /** The class every generated kernel is compiled to. */
    static final String KERNEL_CLASS = "SpoolKernel";
}
