package dev.spool.compiler.lower;

/**
 * What the backend a program is compiled for wants from the Program passes.
 * {@code maxKernelCost}: {@link SplitKernels} cuts a generated kernel costing more (see
 * {@link KernelSplit#cost}) into several, the values crossing a cut passing through memory; the
 * CPU's JIT compiles large Vector API loops poorly, a GPU compiler would not need it.
 *
 * <pre>{@code Program p = pipeline.compile(graph, dims, new Target(36));}</pre>
 */
public record Target(int maxKernelCost) {
    /** No limit on kernel size. */
    public static final Target DEFAULT = new Target(Integer.MAX_VALUE);
}
