package dev.spool.compiler;

import dev.spool.graph.Graph;

/** One graph-to-graph rewrite in the {@link Pipeline}; each has a name so it can be turned off. */
public interface Pass {
    /** The name used by {@code --passes} and {@code --no-<name>}. */
    String name();

    Graph run(Graph graph);

    /**
     * Whether the pass needs every dim to be a size (unrolling needs the loop's length): it and
     * the passes after it then run per binding of the dims, in {@link Pipeline#compile}.
     */
    default boolean needsSizes() {
        return false;
    }
}
