package dev.spool.ops.internal;

/**
 * The primitive ops, one entry per record type implementing {@link Primitive}. Every stage maps
 * each op to its rule in one exhaustive {@code switch} over this enum, so a new op does not compile
 * until every stage has its rule: {@code dev.spool.compiler.simplify.FoldingRules} (constant
 * folding), {@code dev.spool.compiler.lower.LoweringRules} (lowering to Program instructions),
 * {@code dev.spool.backend.cpu.reference.ReferenceRules} (the reference interpreter) and
 * {@code dev.spool.backend.cpu.codegen.KernelTemplates} (generated kernel code); shape and VJP are
 * the op record's own. Each op record's Javadoc names its rule in every stage.
 */
public enum OpCode {
    UNARY(OpKind.ELEMENTWISE),
    BINARY(OpKind.ELEMENTWISE),
    COMPARE(OpKind.ELEMENTWISE),
    WHERE(OpKind.ELEMENTWISE),
    CAST(OpKind.ELEMENTWISE),
    /** A group of elementwise ops formed by fusion ({@link Fused}). */
    FUSED(OpKind.ELEMENTWISE),
    MATMUL(OpKind.CONTRACTION),
    TRANSPOSE(OpKind.DATA_MOVEMENT),
    RESHAPE(OpKind.DATA_MOVEMENT),
    SLICE(OpKind.DATA_MOVEMENT),
    INDEX(OpKind.DATA_MOVEMENT),
    CONCAT(OpKind.DATA_MOVEMENT),
    STACK(OpKind.DATA_MOVEMENT),
    GATHER(OpKind.DATA_MOVEMENT),
    SCATTER_ADD(OpKind.DATA_MOVEMENT),
    PAD(OpKind.DATA_MOVEMENT),
    ONE_HOT(OpKind.DATA_MOVEMENT),
    /** A masked scan's lengths, passed through once checked ({@link CheckLengths}). */
    CHECK_LENGTHS(OpKind.DATA_MOVEMENT),
    REDUCE(OpKind.REDUCTION),
    SOFTMAX(OpKind.REDUCTION),
    CROSS_ENTROPY(OpKind.REDUCTION),
    CROSS_ENTROPY_GRAD(OpKind.REDUCTION),
    FILL(OpKind.GENERATOR),
    IOTA(OpKind.GENERATOR);

    private final OpKind kind;

    OpCode(OpKind kind) {
        this.kind = kind;
    }

    public OpKind kind() {
        return kind;
    }
}
