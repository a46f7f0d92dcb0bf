package dev.spool.ops.internal;

import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
/**
 * A node's forward values as its VJP rule sees them. Types are free; asking for a value may make
 * the autodiff keep it as a residual (inside a scan body, a stacked per-step output), so rules ask
 * only for what they use.
 */
public interface Forward {
    int numInputs();

    Value input(int i);

    Value output(int i);

    TensorType inputType(int i);

    TensorType outputType(int i);
}
