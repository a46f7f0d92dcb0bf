package dev.spool.backend.cpu.reference;

import dev.spool.graph.internal.Node;
import dev.spool.ops.internal.Primitive;

/**
 * How the reference interpreter runs one primitive op: prepared once per node into an
 * {@link ReferenceProgram.Instruction} that reads its operands from slots {@code in} and writes
 * its outputs to slots {@code out}, computing with the straightforward per-op kernels.
 * {@link ReferenceRules} maps every op to its rule.
 */
interface ReferenceRule {
    ReferenceProgram.Instruction prepare(Node n, Primitive op, int[] in, int[] out);
}
