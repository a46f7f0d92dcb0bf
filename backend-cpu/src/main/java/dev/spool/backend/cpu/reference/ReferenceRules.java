package dev.spool.backend.cpu.reference;

import dev.spool.ops.internal.OpCode;

/**
 * The reference interpreter's rule for every primitive op, one exhaustive switch: a new
 * {@link OpCode} does not compile until it has reference semantics here. Scans, constants and
 * sources are the interpreter's own ({@link ReferenceProgram}).
 */
final class ReferenceRules {
    private ReferenceRules() {
    }

    static ReferenceRule of(OpCode code) {
        return switch (code) {
            case UNARY -> ElementwiseReference.UNARY;
            case BINARY -> ElementwiseReference.BINARY;
            case COMPARE -> ElementwiseReference.COMPARE;
            case WHERE -> ElementwiseReference.WHERE;
            case CAST -> ElementwiseReference.CAST;
            case FUSED -> ElementwiseReference.FUSED;
            case FILL -> GeneratorReference.FILL;
            case IOTA -> GeneratorReference.IOTA;
            case TRANSPOSE -> LayoutReference.TRANSPOSE;
            case RESHAPE -> LayoutReference.RESHAPE;
            case SLICE -> LayoutReference.SLICE;
            case INDEX -> LayoutReference.INDEX;
            case CONCAT -> LayoutReference.CONCAT;
            case STACK -> LayoutReference.STACK;
            case PAD -> LayoutReference.PAD;
            case CHECK_LENGTHS -> LayoutReference.CHECK_LENGTHS;
            case GATHER -> GatherScatterReference.GATHER;
            case SCATTER_ADD -> GatherScatterReference.SCATTER_ADD;
            case ONE_HOT -> GatherScatterReference.ONE_HOT;
            case REDUCE -> ReductionReference.REDUCE;
            case MATMUL -> MatMulReference.MATMUL;
            case SOFTMAX -> SoftmaxReference.SOFTMAX;
            case CROSS_ENTROPY -> SoftmaxReference.CROSS_ENTROPY;
            case CROSS_ENTROPY_GRAD -> SoftmaxReference.CROSS_ENTROPY_GRAD;
        };
    }
}
