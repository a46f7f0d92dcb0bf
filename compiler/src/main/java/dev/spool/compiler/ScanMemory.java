package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.Shape;
import dev.spool.graph.TensorType;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;

import java.util.Map;

/**
 * Bytes held by the stacked (per-step) outputs of a graph's top-level scans for given dim
 * bindings: the activations a training step keeps for its backward pass, which checkpointing
 * trades for recomputation.
 *
 * <pre>{@code long bytes = ScanMemory.stackedBytes(gradGraph, Map.of("B", 1024));}</pre>
 */
public final class ScanMemory {
    private ScanMemory() {
    }

    public static long stackedBytes(Graph g, Map<String, Integer> dims) {
        long total = 0;
        for (Node n : g.nodes()) {
            if (n.op() instanceof ScanOp scan) {
                for (int i = scan.numCarries(); i < n.outputs().size(); i++) {
                    TensorType t = n.outputs().get(i);
                    total += (long) Shape.volume(t.shape().sizes(dims)) * t.dtype().byteSize();
                }
            }
        }
        return total;
    }
}
