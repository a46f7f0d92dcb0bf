package dev.spool.compiler.lower;

import dev.spool.ops.internal.OpCode;

/**
 * The lowering stage's rule for every primitive op, one exhaustive switch: a new {@link OpCode}
 * does not compile until it has a lowering rule here. Scans, constants and sources are the
 * lowering driver's own ({@link Lowering}).
 */
final class LoweringRules {
    private LoweringRules() {
    }

    static LoweringRule of(OpCode code) {
        return switch (code) {
            case UNARY, BINARY, COMPARE, WHERE, CAST, FUSED -> ElementwiseLowering.KERNEL;
            case FILL -> GeneratorLowering.FILL;
            case IOTA -> GeneratorLowering.IOTA;
            case TRANSPOSE -> LayoutLowering.TRANSPOSE;
            case RESHAPE -> LayoutLowering.RESHAPE;
            case SLICE -> LayoutLowering.SLICE;
            case INDEX -> LayoutLowering.INDEX;
            case CONCAT -> LayoutLowering.CONCAT;
            case STACK -> LayoutLowering.STACK;
            case PAD -> LayoutLowering.PAD;
            case CHECK_LENGTHS -> LayoutLowering.CHECK_LENGTHS;
            case GATHER -> GatherScatterLowering.GATHER;
            case SCATTER_ADD -> GatherScatterLowering.SCATTER_ADD;
            case ONE_HOT -> GatherScatterLowering.ONE_HOT;
            case REDUCE -> ReductionLowering.REDUCE;
            case MATMUL -> MatMulLowering.GEMM;
            case SOFTMAX -> SoftmaxLowering.SOFTMAX;
            case CROSS_ENTROPY -> SoftmaxLowering.CROSS_ENTROPY;
            case CROSS_ENTROPY_GRAD -> SoftmaxLowering.CROSS_ENTROPY_GRAD;
        };
    }
}
