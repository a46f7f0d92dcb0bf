package dev.spool.ops.internal;

import dev.spool.graph.Value;
import dev.spool.graph.internal.Op;
import dev.spool.ops.Builder;

import java.util.List;

/** A primitive op of the {@code ops} module: its {@link OpCode} selects the rules and kernels. */
public interface Primitive extends Op {
    OpCode code();

    default OpKind kind() {
        return code().kind();
    }

    /**
     * The vector-Jacobian product, written as graph ops: given the cotangents of the outputs
     * ({@code null} for zero), returns one cotangent per input, {@code null} where the input gets
     * no gradient (integer or boolean operands, or a zero cotangent).
     */
    List<Value> vjp(Builder b, Forward fwd, List<Value> cotangents);
}
