package dev.spool.ops;

import dev.spool.graph.Op;

/** A primitive op of the {@code ops} module: its {@link OpCode} selects the rules and kernels. */
public interface Primitive extends Op {
    OpCode code();

    default OpKind kind() {
        return code().kind();
    }
}
