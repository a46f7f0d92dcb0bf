package dev.spool.runtime;

import dev.spool.program.Instr;
import dev.spool.runtime.cpu.CpuKernel;
import dev.spool.runtime.cpu.KernelKey;
import dev.spool.runtime.cpu.KernelLayout;
import dev.spool.runtime.cpu.KernelProvider;
import dev.spool.runtime.cpu.KernelWarmup;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernels of an artifact: class files compiled when the artifact was written, each defined in
 * a class loader of its own the first time a program needs it, and warmed up once. Nothing is
 * generated or compiled here; a kernel the artifact does not have (a layout the compiler did not
 * foresee for some sizes) is an {@link ArtifactException} that says which sizes to fix instead.
 */
final class ArtifactKernels implements KernelProvider {
    /** A kernel class in the artifact: its class file, its source (for inspection) and its vector width. */
    record Entry(byte[] classFile, String source, int lanes) {
    }

    private final String artifact;
    private final Map<String, Entry> entries;
    private final ConcurrentHashMap<String, CpuKernel> defined = new ConcurrentHashMap<>();

    ArtifactKernels(String artifact, Map<String, Entry> entries) {
        this.artifact = artifact;
        this.entries = Map.copyOf(entries);
    }

    @Override
    public Prepared kernel(Instr.Kernel k, KernelLayout layout, int maxFloatLanes, int[] elementSizes) {
        String key = KernelKey.of(k, layout, maxFloatLanes);
        Entry e = entries.get(key);
        if (e == null) {
            throw new ArtifactException(artifact + " has no kernel for this layout (" + key.substring(0, key.indexOf(" expr"))
                    + "); compile the artifact with these sizes fixed (--batch, --steps)");
        }
        CpuKernel kernel = defined.computeIfAbsent(key, x -> {
            CpuKernel made = define(e.classFile());
            if (KernelWarmup.ENABLED) {
                KernelWarmup.warm(made, e.lanes(), layout, elementSizes);
            }
            return made;
        });
        return new Prepared(kernel, e.source());
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
