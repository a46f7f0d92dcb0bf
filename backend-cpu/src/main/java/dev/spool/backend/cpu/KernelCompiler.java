package dev.spool.backend.cpu;

import org.codehaus.janino.SimpleCompiler;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiles generated kernel source with Janino into a {@link CpuKernel}, once per distinct source
 * for the life of the JVM: kernels do not depend on sizes, so the same LSTM cell kernel serves
 * every batch size and sequence length.
 */
final class KernelCompiler {
    private static final ConcurrentHashMap<String, CpuKernel> CACHE = new ConcurrentHashMap<>();

    private KernelCompiler() {
    }

    static CpuKernel compile(String source) {
        return CACHE.computeIfAbsent(source, KernelCompiler::cook);
    }

    private static CpuKernel cook(String source) {
        try {
            SimpleCompiler c = new SimpleCompiler();
            c.setParentClassLoader(KernelCompiler.class.getClassLoader());
            c.cook(source);
            return (CpuKernel) c.getClassLoader().loadClass("SpoolKernel").getDeclaredConstructor().newInstance();
        } catch (Exception e) {
            throw new IllegalStateException("generated kernel does not compile: " + e.getMessage() + "\n" + source, e);
        }
    }

    /** Distinct kernels compiled so far (for reports). */
    static int compiled() {
        return CACHE.size();
    }
}
