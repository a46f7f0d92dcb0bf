package dev.spool.backend.cpu;

import org.codehaus.janino.SimpleCompiler;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Compiles generated kernel source with Janino into a {@link CpuKernel}, once per distinct source
 * for the life of the JVM (kernels do not depend on sizes, so one LSTM cell kernel serves every
 * batch size and sequence length), and warms each new kernel up.
 *
 * <p>Warm-up: until C2 compiles a Vector API kernel it runs in the interpreter or C1, where every
 * vector operation is an allocating library call, 50–100× slower than the compiled loop; a scan
 * calls a cell kernel only T times per run, so reaching C2 by use alone takes many training steps.
 * A new kernel is therefore run a few thousand times on a small scratch buffer (a few tens of
 * milliseconds), which crosses the JIT's tier-4 thresholds, and C2 compiles it in the background
 * while the program is prepared. {@code -Dspool.warmup=false} turns this off (the tests do, since
 * their graphs are tiny and numerous).
 */
final class KernelCompiler {
    private static final ConcurrentHashMap<String, CpuKernel> CACHE = new ConcurrentHashMap<>();
    private static final boolean WARMUP = !"false".equals(System.getProperty("spool.warmup"));
    /** Calls and row length (in vectors) of a warm-up: enough invocations and loop back-edges for C2. */
    private static final int WARMUP_CALLS = 2500;
    private static final int WARMUP_VECTORS = 8;
    private static final long WARMUP_BUDGET_NANOS = 400_000_000L;
    /** Time spent in Janino and in warm-up, for the compile-stage timings of the scan-vs-unroll study. */
    private static final LongAdder COOK_NANOS = new LongAdder();
    private static final LongAdder WARM_NANOS = new LongAdder();
    private static final ThreadLocal<Map<String, CpuKernel>> PRIVATE = new ThreadLocal<>();

    private KernelCompiler() {
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
        if (WARMUP) {
            warm(k, code.lanes(), layout, elementSizes);
            WARM_NANOS.add(System.nanoTime() - t1);
        }
        return k;
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

    /**
     * Runs the kernel on rows of garbage (every byte 0x3F: floats near 0.75, large positive ints,
     * true booleans, so nothing divides by zero) with every operand at offset 0; a row is long
     * enough to run the vector loop several times and, when the real rows have one, the scalar tail.
     */
    private static void warm(CpuKernel k, int lanes, KernelLayout layout, int[] elementSizes) {
        int real = layout.inner();
        int inner = lanes == 0 ? Math.min(real, 64) : real <= WARMUP_VECTORS * lanes ? real : WARMUP_VECTORS * lanes + real % lanes;
        int r = layout.rank();
        int operands = elementSizes.length;
        int[] args = new int[r + operands * (1 + r)];
        // Two rows per outer axis (all at the same address): C2 compiles from this profile, and an
        // outer loop never taken during warm-up would be compiled as a trap that deoptimises later.
        Arrays.fill(args, 0, r, 2);
        args[r - 1] = inner;
        for (int o = 0; o < operands; o++) {
            args[r + o * (1 + r) + r] = layout.innerStride(o) == 0 ? 0 : elementSizes[o];
        }
        ByteBuffer scratch = ByteBuffer.allocateDirect(8 * Math.max(1, inner) + 64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < scratch.capacity(); i++) {
            scratch.put(i, (byte) 0x3F);
        }
        long deadline = System.nanoTime() + WARMUP_BUDGET_NANOS;
        for (int i = 0; i < WARMUP_CALLS && System.nanoTime() < deadline; i++) {
            k.run(scratch, args);
        }
    }

    /** Distinct kernels compiled so far (for reports). */
    static int compiled() {
        return CACHE.size();
    }

    /** Kernels in the cache and the total time spent compiling (Janino) and warming kernels up. */
    static CpuBackend.KernelStats stats() {
        return new CpuBackend.KernelStats(CACHE.size(), COOK_NANOS.sum(), WARM_NANOS.sum());
    }

    /**
     * Runs {@code prepare} on this thread with a cache of its own, empty at the start and dropped at
     * the end: every distinct kernel it needs is compiled once, as in a fresh JVM, while the shared
     * cache's kernels stay hot for other programs.
     */
    static void uncached(Runnable prepare) {
        PRIVATE.set(new HashMap<>());
        try {
            prepare.run();
        } finally {
            PRIVATE.remove();
        }
    }
}
