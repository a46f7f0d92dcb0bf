package dev.spool.spark;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What a partition needs of a loaded artifact: the named inputs and outputs and a run that is
 * safe to call from several task threads at once. Implemented over {@code SpoolModel}.
 */
interface BatchModel {

    /** The inputs, in the artifact's order. */
    List<Port> inputs();

    /** The outputs, in the artifact's order. */
    List<Port> outputs();

    /** Whether a run may leave this input out (an initial state, zeros when absent). */
    boolean isOptional(String input);

    /** Runs one batch; thread-safe. */
    Map<String, Tensor> run(Map<String, Tensor> feeds);

    /** One named tensor of the signature: dims are {@link Integer} sizes or {@link String} symbols ("T", "B"). */
    record Port(String name, DType dtype, List<Object> dims) implements Serializable {
        public Port {
            dims = List.copyOf(dims);
        }

        int rank() {
            return dims.size();
        }

        @Override
        public String toString() {
            return name + " " + dtype + dims;
        }
    }
}
