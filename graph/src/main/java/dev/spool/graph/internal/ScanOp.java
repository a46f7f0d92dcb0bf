package dev.spool.graph.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The loop: applies {@code body} once per step over time-major sequences.
 *
 * <pre>
 * inputs  :: [carries c..., sequences (T, s...)..., invariants..., lengths (B) | mask (T, B)?]
 * body    :: [c..., s..., invariants...] -> [c'..., y...]
 * outputs :: [final carries c..., stacked outputs (T, y...)...]
 * </pre>
 *
 * Step t reads slice t of every sequence; a reverse scan visits t = T-1 .. 0 and still writes
 * output t at index t. With {@code LENGTHS} (int, shape (B)) or {@code MASK} (bool, shape (T, B)),
 * a masked-out step leaves row b of every carry unchanged and writes zeros to row b of every output,
 * so carries and per-step outputs must have the batch dim B first. A zero-length scan returns the
 * initial carries and empty outputs.
 */
public record ScanOp(Graph body, int numCarries, int numSequences, int numInvariants,
                     boolean reverse, Masking masking, Dim length) implements Op {

    /** How steps are masked per batch row. */
    public enum Masking { NONE, LENGTHS, MASK }

    public ScanOp {
        int expectParams = numCarries + numSequences + numInvariants;
        if (body.params().size() != expectParams) {
            throw new IllegalArgumentException("scan body has " + body.params().size() + " params, expected " + expectParams);
        }
        if (body.results().size() < numCarries) {
            throw new IllegalArgumentException("scan body returns fewer results than carries");
        }
    }

    @Override
    public String name() {
        return "scan";
    }

    @Override
    public List<Graph> subgraphs() {
        return List.of(body);
    }

    public int numOutputs() {
        return body.results().size() - numCarries;
    }

    public int numOperands() {
        return numCarries + numSequences + numInvariants + (masking == Masking.NONE ? 0 : 1);
    }

    /**
     * A scan's operands, or its body's params, split into their groups (JAX's {@code split_list}):
     * {@code [carries..., sequences..., invariants..., mask?]}; {@code mask} is the lengths or mask
     * operand, null for body params and unmasked scans. The one place that knows the layout.
     *
     * <pre>{@code ScanOp.Operands<Value> in = scan.split(node.inputs()); in.sequences().get(0);}</pre>
     */
    public record Operands<T>(List<T> carries, List<T> sequences, List<T> invariants, T mask) {
    }

    /** A body's results split into next carries and per-step outputs. */
    public record Results<T>(List<T> carries, List<T> outputs) {
    }

    /** {@code operands} (the node's inputs, or the body's params, or anything laid out like them) by group. */
    public <T> Operands<T> split(List<T> operands) {
        int nc = numCarries;
        int ns = numSequences;
        int params = nc + ns + numInvariants;
        if (operands.size() != params && operands.size() != numOperands()) {
            throw new IllegalArgumentException("a scan with " + nc + " carries, " + ns + " sequences and " + numInvariants
                    + " invariants has " + params + " params and " + numOperands() + " operands, got " + operands.size());
        }
        return new Operands<>(operands.subList(0, nc), operands.subList(nc, nc + ns), operands.subList(nc + ns, params),
                operands.size() > params ? operands.get(params) : null);
    }

    /** {@code results} (the body's results, or the node's outputs) as next carries and per-step outputs. */
    public <T> Results<T> splitResults(List<T> results) {
        return new Results<>(results.subList(0, numCarries), results.subList(numCarries, results.size()));
    }

    @Override
    public String attributes() {
        StringBuilder sb = new StringBuilder("length=" + length);
        sb.append(" carries=").append(numCarries).append(" sequences=").append(numSequences)
                .append(" invariants=").append(numInvariants);
        if (reverse) {
            sb.append(" reverse");
        }
        if (masking != Masking.NONE) {
            sb.append(" masking=").append(masking.name().toLowerCase(java.util.Locale.ROOT));
        }
        return sb.toString();
    }

    @Override
    public ScanOp mapDims(UnaryOperator<Dim> f) {
        return new ScanOp(body.mapDims(f), numCarries, numSequences, numInvariants, reverse, masking, f.apply(length));
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        if (in.size() != numOperands()) {
            throw new ShapeException("scan expects " + numOperands() + " operands, got " + in.size());
        }
        List<Value> ps = body.params();
        List<Value> rs = body.results();
        for (int i = 0; i < numCarries; i++) {
            String name = carryName(i);
            TensorType init = in.get(i);
            TensorType param = ps.get(i).type();
            TensorType next = rs.get(i).type();
            if (!unifiable(init, param, dims) || !unifiable(init, next, dims)) {
                throw new ShapeException("carry " + name + ": initial value is " + dims.resolve(init)
                        + " but the body returns " + dims.resolve(next)
                        + "; a carry must keep its dtype and shape across steps");
            }
        }
        for (int i = 0; i < numSequences; i++) {
            TensorType seq = in.get(numCarries + i);
            TensorType slice = ps.get(numCarries + i).type();
            String label = body.source(ps.get(numCarries + i)).label();
            if (seq.rank() < 1) {
                throw new ShapeException("sequence " + label + " must have a leading time axis, got " + seq);
            }
            try {
                dims.unify(seq.shape().dim(0), length);
            } catch (ShapeException e) {
                throw new ShapeException("sequence " + label + " has " + seq.shape().dim(0)
                        + " steps but the scan length is " + dims.resolve(length));
            }
            if (!unifiable(new TensorType(seq.dtype(), seq.shape().drop(1)), slice, dims)) {
                throw new ShapeException("sequence " + label + ": a step of " + seq + " is "
                        + seq.dtype() + seq.shape().drop(1) + " but the body expects " + slice);
            }
        }
        int base = numCarries + numSequences;
        for (int i = 0; i < numInvariants; i++) {
            TensorType given = in.get(base + i);
            TensorType param = ps.get(base + i).type();
            if (!unifiable(given, param, dims)) {
                throw new ShapeException("invariant " + body.source(ps.get(base + i)).label() + ": given " + given
                        + " but the body expects " + param);
            }
        }
        List<TensorType> out = new ArrayList<>();
        for (int i = 0; i < numCarries; i++) {
            out.add(dims.resolve(in.get(i)));
        }
        for (int i = numCarries; i < rs.size(); i++) {
            out.add(dims.resolve(new TensorType(rs.get(i).dtype(), rs.get(i).shape().prepend(length))));
        }
        if (masking != Masking.NONE) {
            checkMasking(in.get(base + numInvariants), out, dims);
        }
        return out;
    }

    private void checkMasking(TensorType m, List<TensorType> out, DimUnifier dims) {
        Dim batch;
        if (masking == Masking.LENGTHS) {
            if (!m.dtype().isInteger() || m.rank() != 1) {
                throw new ShapeException("lengths must be I32 or I64 of shape (B), got " + m);
            }
            batch = m.shape().dim(0);
        } else {
            if (m.dtype() != DType.BOOL || m.rank() != 2 || !dims.tryUnify(m.shape().dim(0), length)) {
                throw new ShapeException("mask must be BOOL of shape (" + dims.resolve(length) + ", B), got " + m);
            }
            batch = m.shape().dim(1);
        }
        for (int i = 0; i < out.size(); i++) {
            TensorType t = out.get(i);
            int axis = i < numCarries ? 0 : 1;
            String what = i < numCarries ? "carry " + carryName(i) : "output " + (i - numCarries);
            // The leading dim must already be the batch dim: unifying here would silently bind a
            // symbolic B to whatever dim a carry or output happens to start with.
            if (t.rank() <= axis || !dims.same(t.shape().dim(axis), batch)) {
                throw new ShapeException("a masked scan needs the batch dim " + dims.resolve(batch) + " first in every carry and step output; "
                        + what + " is " + dims.resolve(t) + (t.rank() > axis ? " and " + dims.resolve(t.shape().dim(axis))
                        + " is not known to equal the " + (masking == Masking.LENGTHS ? "lengths'" : "mask's") + " batch dim" : ""));
            }
        }
    }

    /** The label of carry i as the body declared it. */
    public String carryName(int i) {
        return "'" + body.source(body.params().get(i)).label() + "'";
    }

    private static boolean unifiable(TensorType a, TensorType b, DimUnifier dims) {
        if (a.dtype() != b.dtype() || a.rank() != b.rank()) {
            return false;
        }
        for (int i = 0; i < a.rank(); i++) {
            if (!dims.tryUnify(a.shape().dim(i), b.shape().dim(i))) {
                return false;
            }
        }
        return true;
    }
}
