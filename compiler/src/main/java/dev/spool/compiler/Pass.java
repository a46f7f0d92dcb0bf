package dev.spool.compiler;

import dev.spool.graph.Graph;

/** One graph-to-graph rewrite in the {@link Pipeline}; each has a name so it can be turned off. */
public interface Pass {
    /** The name used by {@code --passes} and {@code --no-<name>}. */
    String name();

    Graph run(Graph graph);
}
