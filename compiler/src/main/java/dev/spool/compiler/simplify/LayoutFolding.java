package dev.spool.compiler.simplify;

import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.Primitive;

import java.util.List;

/**
 * Constant folding of the layout ops that only re-address elements (reshape, transpose, slice,
 * index): of a fill, they are a fill of the result type, since a fill has no layout.
 */
enum LayoutFolding {
    FILL_MOVE;

    List<Rule> rules(OpCode code) {
        // reshape(fill) -> fill (and transpose, slice, index)
        return List.of(Rule.of("fill-move", code, LayoutFolding::moveFill));
    }

    private static Value moveFill(Rewriter r, Primitive op, List<Value> in) {
        Fill f = r.producer(in.get(0), Fill.class);
        if (f == null) {
            return null;
        }
        TensorType t = r.resultType(op, in);
        return r.emit(new Fill(f.value(), t.dtype(), t.shape()));
    }
}
