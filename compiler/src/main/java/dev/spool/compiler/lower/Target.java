package dev.spool.compiler.lower;

/**
 * What the backend a program is compiled for wants from the Program passes.
 * {@code linearCrossEntropy}: whether the backend runs the fused classifier head
 * {@link LinearCrossEntropyFusion} writes (the CPU does). {@code maxKernelCost}: {@link SplitKernels} cuts a generated kernel costing more (see
 * {@link KernelSplit#cost}) into several, the values crossing a cut passing through memory; the
 * CPU's JIT compiles large Vector API loops poorly, a GPU compiler would not need it.
 *
 * <pre>{@code Program p = pipeline.compile(graph, dims, new Target(36));}</pre>
 */
public record Target(int maxKernelCost, boolean linearCrossEntropy) {
    /** No limit on kernel size, no fused classifier head. */
    public static final Target DEFAULT = new Target(Integer.MAX_VALUE, false);

    /** A target that does not run {@code linear_xent_grad} ({@link LinearCrossEntropyFusion} leaves its programs alone). */
    public Target(int maxKernelCost) {
        this(maxKernelCost, false);
    }
}
