package dev.spool.compiler.lower;

import dev.spool.graph.internal.Node;
import dev.spool.ops.internal.Primitive;
import dev.spool.program.internal.View;

import java.util.List;

/**
 * How one primitive op becomes Program instructions: given its node, its op and its operands'
 * views, a rule emits instructions into the context and places each output's view. Rules do not
 * optimise; the Program passes do. {@link LoweringRules} maps every op to its rule.
 */
interface LoweringRule {
    void lower(Node n, Primitive op, List<View> ins, LoweringContext cx);
}
