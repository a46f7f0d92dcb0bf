package dev.spool.compiler.simplify;

import dev.spool.graph.Value;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.Primitive;

import java.util.List;

/**
 * One rewrite of the simplify table: on a node of op code {@code on} about to be emitted with the
 * (already simplified) {@code inputs}, returns the value that replaces it, or {@code null} when the
 * pattern does not match. A rule builds its replacement with {@link Rewriter#emit}, so what it
 * builds is simplified in turn.
 *
 * <pre>{@code
 * // x*1 -> x
 * Rule.of("mul-one", OpCode.BINARY, (r, op, in) -> ...)
 * }</pre>
 */
public record Rule(String name, OpCode on, Rewrite rewrite) {

    /** The match-and-rewrite function of a rule. */
    @FunctionalInterface
    public interface Rewrite {
        Value apply(Rewriter r, Primitive op, List<Value> inputs);
    }

    public static Rule of(String name, OpCode on, Rewrite rewrite) {
        return new Rule(name, on, rewrite);
    }
}
