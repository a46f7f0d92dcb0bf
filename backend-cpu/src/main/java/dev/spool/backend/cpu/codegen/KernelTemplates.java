package dev.spool.backend.cpu.codegen;

import dev.spool.ops.internal.OpCode;

/**
 * The code generator's template for every primitive op, one exhaustive switch: a new
 * {@link OpCode} does not compile until this stage says whether it runs inside a generated kernel.
 * Only the elementwise ops do ({@link ElementwiseTemplate}); a fill inside a kernel is a literal,
 * and every other op is lowered to an instruction of its own that the runtime's executor runs.
 */
final class KernelTemplates {
    private KernelTemplates() {
    }

    static ElementwiseTemplate of(OpCode code) {
        return switch (code) {
            case UNARY -> ElementwiseTemplate.UNARY;
            case BINARY -> ElementwiseTemplate.BINARY;
            case COMPARE -> ElementwiseTemplate.COMPARE;
            case WHERE -> ElementwiseTemplate.WHERE;
            case CAST -> ElementwiseTemplate.CAST;
            case FUSED, FILL, IOTA, TRANSPOSE, RESHAPE, SLICE, INDEX, CONCAT, STACK, PAD, CHECK_LENGTHS, GATHER, SCATTER_ADD, ONE_HOT,
                    REDUCE, MATMUL, SOFTMAX, CROSS_ENTROPY, CROSS_ENTROPY_GRAD ->
                    throw new IllegalArgumentException(code + " has no kernel template: it is lowered to an instruction of its own");
        };
    }
}
