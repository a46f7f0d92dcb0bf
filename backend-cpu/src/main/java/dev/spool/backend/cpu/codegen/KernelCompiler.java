package dev.spool.backend.cpu.codegen;

import dev.spool.program.internal.Instr;
import dev.spool.runtime.internal.cpu.CpuKernel;
import dev.spool.runtime.internal.cpu.KernelLayout;
import dev.spool.runtime.internal.cpu.KernelProvider;
import dev.spool.runtime.internal.cpu.KernelWarmup;

import org.codehaus.janino.SimpleCompiler;
import org.codehaus.janino.util.ClassFile;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The CPU backend's {@link KernelProvider}: generates each kernel's Java source
 * ({@link KernelSource}) and compiles it with Janino, once per distinct source for the life of the
 * JVM (kernels do not depend on sizes, so one LSTM cell kernel serves every batch size and sequence
 * length), then warms it up ({@link KernelWarmup}). An artifact writer takes the class bytes of the
 * same compilation ({@link #classBytes}), so an artifact runs exactly the code the backend runs.
 */
public final class KernelCompiler implements KernelProvider {
    /** The one instance: the cache is per JVM. */
    public static final KernelCompiler INSTANCE = new KernelCompiler();
    private static final ConcurrentHashMap<String, CpuKernel> CACHE = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, byte[]> CLASS_FILES = new ConcurrentHashMap<>();
    /** Time spent in Janino and in warm-up, for the compile-stage timings of the scan-vs-unroll study. */
    private static final LongAdder COOK_NANOS = new LongAdder();
    private static final LongAdder WARM_NANOS = new LongAdder();
    private static final ThreadLocal<Map<String, CpuKernel>> PRIVATE = new ThreadLocal<>();

    private KernelCompiler() {
    }

    @Override
    public Prepared kernel(Instr.Kernel k, KernelLayout layout, int maxFloatLanes, int[] elementSizes) {
        KernelSource.Code code = KernelSource.generate(k.expr(), layout, maxFloatLanes);
        return new Prepared(compile(code, layout, elementSizes), code.source());
    }

    /**
     * The compiled kernel for {@code code}; a kernel compiled for the first time is warmed up over an
     * iteration space shaped like {@code layout} ({@code elementSizes} per operand).
     */
    static CpuKernel compile(KernelSource.Code code, KernelLayout layout, int[] elementSizes) {
        Map<String, CpuKernel> cache = PRIVATE.get() != null ? PRIVATE.get() : CACHE;
        return cache.computeIfAbsent(code.source(), s -> fresh(code, layout, elementSizes));
    }

    private static CpuKernel fresh(KernelSource.Code code, KernelLayout layout, int[] elementSizes) {
        long t0 = System.nanoTime();
        CpuKernel k = cook(code.source());
        long t1 = System.nanoTime();
        COOK_NANOS.add(t1 - t0);
        if (KernelWarmup.ENABLED) {
            KernelWarmup.warm(k, code.lanes(), layout, elementSizes);
            WARM_NANOS.add(System.nanoTime() - t1);
        }
        return k;
    }

    private static CpuKernel cook(String source) {
        try {
            SimpleCompiler c = janino(source);
            return (CpuKernel) c.getClassLoader().loadClass(KernelSource.CLASS_NAME).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("generated kernel does not load: " + e.getMessage() + "\n" + source, e);
        }
    }

    /** The class file Janino makes of a generated kernel's source (for artifacts), once per source per JVM. */
    public static byte[] classBytes(String source) {
        return CLASS_FILES.computeIfAbsent(source, s -> {
            ClassFile[] files = janino(s).getClassFiles();
            if (files.length != 1) {
                throw new IllegalStateException("a generated kernel compiled to " + files.length + " classes, expected one");
            }
            return files[0].toByteArray();
        }).clone();
    }

    private static SimpleCompiler janino(String source) {
        try {
            SimpleCompiler c = new SimpleCompiler();
            c.setParentClassLoader(KernelCompiler.class.getClassLoader());
            c.cook(source);
            return c;
        } catch (Exception e) {
            throw new IllegalStateException("generated kernel does not compile: " + e.getMessage() + "\n" + source, e);
        }
    }

    /** Distinct kernels compiled so far (for reports). */
    public static int compiled() {
        return CACHE.size();
    }

    /** Total time spent compiling kernels with Janino, in nanoseconds. */
    public static long compileNanos() {
        return COOK_NANOS.sum();
    }

    /** Total time spent warming compiled kernels up, in nanoseconds. */
    public static long warmupNanos() {
        return WARM_NANOS.sum();
    }

    /**
     * Runs {@code prepare} on this thread with a cache of its own, empty at the start and dropped at
     * the end: every distinct kernel it needs is compiled once, as in a fresh JVM, while the shared
     * cache's kernels stay hot for other programs.
     */
    public static void uncached(Runnable prepare) {
        PRIVATE.set(new HashMap<>());
        try {
            prepare.run();
        } finally {
            PRIVATE.remove();
        }
    }
}
