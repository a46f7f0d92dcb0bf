package dev.spool.ops.internal.rewrite;

import dev.spool.graph.Value;
/** Names a forward value during differentiation. */
public sealed interface Key permits Key.Orig, Key.Residual {

    /** Output {@code index} of node {@code node} of the graph being differentiated (any nesting level). */
    record Orig(int node, int index) implements Key {
        public static Orig of(Value v) {
            return new Orig(v.node(), v.index());
        }
    }

    /** The k-th residual a differentiated forward scan node stacks for its backward scan. */
    record Residual(int scan, int k) implements Key {
    }
}
