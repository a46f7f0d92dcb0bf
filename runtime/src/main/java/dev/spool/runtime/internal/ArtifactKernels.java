package dev.spool.runtime.internal;

import dev.spool.program.internal.Instr;
import dev.spool.runtime.ArtifactException;
import dev.spool.runtime.internal.cpu.Blas;
import dev.spool.runtime.internal.cpu.CpuKernel;
import dev.spool.runtime.internal.cpu.KernelKey;
import dev.spool.runtime.internal.cpu.KernelLayout;
import dev.spool.runtime.internal.cpu.KernelProvider;
import dev.spool.runtime.internal.cpu.KernelWarmup;
import dev.spool.runtime.internal.cpu.TieredKernels;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernels of an artifact: class files compiled when the artifact was written, each defined in
 * a class loader of its own the first time a program needs it, and warmed up once on a background
 * thread while its scalar form serves (see {@link TieredKernels}). Nothing is
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
    /** Kernels ready to serve: scalar ones, and vector ones that have no scalar form. */
    private final ConcurrentHashMap<String, CpuKernel> defined = new ConcurrentHashMap<>();
    /** Vector kernels with a scalar form, and the thread that loads BLAS and warms kernels. */
    private final TieredKernels tiers = new TieredKernels("spool-kernel-warmup", TieredKernels.PROOF_BUDGET_NANOS);

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
            return new Prepared(TieredKernels.once(defined, key, () -> {
                CpuKernel early = tiers.prepared(key);
                return early != null ? early : warmed(e, layout, elementSizes, false);
            }), e.source());
        }
        CpuKernel scalarKernel = TieredKernels.once(defined, scalarKey, () -> define(scalar.classFile()));
        return new Prepared(tiers.serve(key, scalarKernel, () -> warmed(e, layout, elementSizes, true), e.lanes(), layout, elementSizes), e.source());
    }

    /** The kernel defined and warmed; {@code background} when a warm-up thread does it (see {@link KernelWarmup#warm}). */
    private CpuKernel warmed(Entry e, KernelLayout layout, int[] elementSizes, boolean background) {
        CpuKernel made = define(e.classFile());
        if (KernelWarmup.ENABLED) {
            KernelWarmup.warm(made, e.lanes(), layout, elementSizes, background);
        }
        return made;
    }

    /**
     * Defines and warms, on a daemon thread, the scalar forms of the kernels (they serve the first
     * runs), then loads OpenBLAS, then defines and warms the kernels this JVM's vector width will use at full
     * width (the case of any innermost length that is a multiple of it), so that while the first
     * run binds its program, the other core brings the kernels to compiled speed.
     * A run that needs a kernel still being warmed waits for it, as it would have warmed it itself.
     * The scalar forms come first because they serve: a run used to define its own, unwarmed, and
     * interpret them (the LSTM H256 artifact's gate kernels took 150–390 ms of its first run; warmed
     * at load, 30–120 ms), while the few tens of milliseconds their warm-up takes delay nothing the
     * first run waits for.
     */
    public void warmInBackground(int maxFloatLanes) {
        if (!KernelWarmup.ENABLED) {
            return;
        }
        tiers.execute(() -> {
            for (Map.Entry<String, Entry> en : entries.entrySet()) {
                Entry e = en.getValue();
                if (e.maxLanes() == 0 && e.lanes() == 0 && !strided(e)) {
                    TieredKernels.once(defined, en.getKey(), () -> warmed(e, warmupLayout(e), e.elementSizes(), true));
                }
            }
            Blas.preload();
            for (Map.Entry<String, Entry> en : entries.entrySet()) {
                Entry e = en.getValue();
                if (e.maxLanes() != maxFloatLanes || (e.lanes() != 0 && e.lanes() < maxFloatLanes / 2) || strided(e)) {
                    continue;
                }
                KernelLayout layout = warmupLayout(e);
                if (!en.getKey().startsWith(KernelKey.layoutPart(layout, maxFloatLanes) + " expr ")) {
                    continue;   // another innermost length's choice of width
                }
                if (e.lanes() > 0) {
                    tiers.prepare(en.getKey(), () -> warmed(e, layout, e.elementSizes(), true));
                } else {
                    TieredKernels.once(defined, en.getKey(), () -> warmed(e, layout, e.elementSizes(), true));
                }
            }
        });
    }

    /** Two rows (per outer axis) of eight vectors, or eight elements for a scalar kernel, with the entry's innermost strides. */
    private static KernelLayout warmupLayout(Entry e) {
        int inner = Math.max(1, 8 * Math.max(1, e.lanes()));
        int[] sizes = new int[e.rank()];
        java.util.Arrays.fill(sizes, 2);
        sizes[sizes.length - 1] = inner;
        int[][] strides = new int[e.innerStrides().length][e.rank()];
        for (int o = 0; o < strides.length; o++) {
            strides[o][e.rank() - 1] = e.innerStrides()[o];
        }
        return new KernelLayout(sizes, strides);
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
