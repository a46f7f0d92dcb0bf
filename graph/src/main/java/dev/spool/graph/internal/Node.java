package dev.spool.graph.internal;

import dev.spool.graph.TensorType;
import dev.spool.graph.Value;

import java.util.List;

/** One SSA node: an op applied to input values, producing typed outputs. */
public record Node(int id, Op op, List<Value> inputs, List<TensorType> outputs) {
    public Node {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Value output(int index) {
        return new Value(id, index, outputs.get(index));
    }

    /** The node's label in error paths, e.g. {@code matmul#5}. */
    public String label() {
        return op.name() + "#" + id;
    }
}
