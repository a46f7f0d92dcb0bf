package dev.spool.graph.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What a node computes. The graph module knows only this interface plus the structural ops it
 * owns ({@link Source}, {@link Constant}, {@link ScanOp}); the primitive ops with their shape rules
 * live in the {@code ops} module.
 */
public interface Op {

    /** Short lower-case name used in node paths and the printer, e.g. {@code matmul}. */
    String name();

    /** Attributes for the printer, e.g. {@code axis=0}; empty when there are none. */
    default String attributes() {
        return "";
    }

    /**
     * Infers the output types from the input types, unifying dims through {@code dims}.
     *
     * @throws ShapeException with a message naming the operands, expected and actual types
     */
    List<TensorType> infer(List<TensorType> inputs, DimUnifier dims);

    /** This op with the dims inside its attributes rewritten (for ops whose attributes hold shapes). */
    default Op mapDims(UnaryOperator<Dim> f) {
        return this;
    }

    /**
     * Graphs nested in this op (a scan's body, a fused group's expression), so printers and the
     * verifier can walk any op with a body without knowing its type.
     */
    default List<Graph> subgraphs() {
        return List.of();
    }
}
