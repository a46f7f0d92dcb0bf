package dev.spool.program.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.internal.Node;
import dev.spool.ops.internal.ReduceFn;

import java.util.List;

/**
 * One instruction of a lowered {@link Program}. Operands are {@link View}s into buffers; an
 * instruction inside a {@link Loop} body sees each view at the current loop indices. Backends
 * switch exhaustively over these records.
 */
public sealed interface Instr {

    /** Views this instruction reads. */
    List<View> reads();

    /** Views this instruction writes. */
    List<View> writes();

    <R> R accept(Visitor<R> v);

    /** One method per instruction, so a backend that implements it handles every instruction (checked by javac). */
    interface Visitor<R> {
        R visit(Gemm i);

        R visit(Kernel i);

        R visit(Reduce i);

        R visit(Softmax i);

        R visit(CrossEntropy i);

        R visit(CrossEntropyGrad i);

        R visit(LinearCrossEntropyGrad i);

        R visit(Gather i);

        R visit(ScatterAdd i);

        R visit(OneHot i);

        R visit(Fill i);

        R visit(Iota i);

        R visit(Copy i);

        R visit(Loop i);

        R visit(MaskStep i);

        R visit(CheckLengths i);

        R visit(Fallback i);
    }

    /**
     * {@code C = A·B + beta·C} for row-major matrices ({@code op(A)} is m×k, {@code op(B)} k×n), repeated
     * {@code batch} times with the given element strides between batch entries. Each view is 2-D with
     * a unit stride on its last axis; its leading stride is the BLAS leading dimension.
     */
    record Gemm(DType dtype, View a, View b, View c, boolean transA, boolean transB, int m, int n, int k, double beta,
                int batch, int batchStrideA, int batchStrideB, int batchStrideC) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return beta == 0 ? List.of(a, b) : List.of(a, b, c);
        }

        public List<View> writes() {
            return List.of(c);
        }
    }

    /**
     * A generated elementwise kernel: {@code expression} is a self-contained graph of elementwise ops
     * (params {@code in0..}, results {@code out0..}); inputs are views broadcast to {@code shape} (stride
     * 0 on broadcast axes) and outputs are views of {@code shape}.
     */
    record Kernel(KernelExpression expression, List<View> inputs, List<View> outputs, int[] shape) implements Instr {
        public Kernel(Graph expr, List<View> inputs, List<View> outputs, int[] shape) {
            this(KernelExpression.of(expr), inputs, outputs, shape);
        }

        /** The expression's graph (built now if the program was read from text). */
        public Graph expr() {
            return expression.graph();
        }

        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return inputs;
        }

        public List<View> writes() {
            return outputs;
        }
    }

    /** {@code out} = reduction of {@code in} over {@code axes} (out has in's shape without those axes). */
    record Reduce(ReduceFn fn, View in, View out, int[] axes) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(in);
        }

        public List<View> writes() {
            return List.of(out);
        }
    }

    /** Softmax or log-softmax of {@code in} along {@code axis}. */
    record Softmax(View in, View out, int axis, boolean log) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(in);
        }

        public List<View> writes() {
            return List.of(out);
        }
    }

    /** Mean cross-entropy of {@code logits} (rows, C) against int {@code targets} (rows): a scalar. */
    record CrossEntropy(View logits, View targets, View out) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(logits, targets);
        }

        public List<View> writes() {
            return List.of(out);
        }
    }

    /**
     * {@code out} (rows, C) = (softmax(logits) - one_hot(targets)) * scale, for contiguous logits and
     * a scalar scale; with a {@code loss} view (else null), also the mean cross-entropy, from the same
     * pass over the rows.
     */
    record CrossEntropyGrad(View logits, View targets, View scale, View out, View loss) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(logits, targets, scale);
        }

        public List<View> writes() {
            return loss == null ? List.of(out) : List.of(out, loss);
        }
    }

    /**
     * A classifier head's training step in one pass over blocks of rows, so that neither the logits
     * nor their gradient exist whole: {@code logits = h·wᵀ (+ bias)} for h (rows, F) and w (C, F),
     * {@code g = (softmax(logits) − one_hot(targets)) · scale}, and from g, each where its view is
     * not null: {@code loss} (the mean cross-entropy), {@code dh = g·w} (rows, F), {@code dw = gᵀ·h}
     * (C, F) and {@code db} (C) = the column sums of g. Written by {@code LinearCrossEntropyFusion}.
     * h, w, dh and dw are matrices with unit column stride; bias, targets (rows), db, the scalar scale
     * and loss are contiguous; none moves with a loop (the CPU backend refuses anything else).
     */
    record LinearCrossEntropyGrad(View h, View w, View bias, View targets, View scale, View loss, View dh, View dw, View db) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return present(h, w, bias, targets, scale);
        }

        public List<View> writes() {
            return present(loss, dh, dw, db);
        }

        /** Rows of h (and of the logits). */
        public int rows() {
            return h.dim(0);
        }

        /** Classes: rows of w. */
        public int classes() {
            return w.dim(0);
        }

        /** Features: columns of h and w. */
        public int features() {
            return h.dim(1);
        }
    }

    /** Rows of {@code table} (V, d) picked by int {@code indices} (n) into {@code out} (n, d). */
    record Gather(View table, View indices, View out) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(table, indices);
        }

        public List<View> writes() {
            return List.of(out);
        }
    }

    /** {@code out} (rows, d) = 0, then row {@code indices[i]} += {@code updates[i]} (n, d). */
    record ScatterAdd(View indices, View updates, View out) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(indices, updates);
        }

        public List<View> writes() {
            return List.of(out);
        }
    }

    /** {@code out} (n, depth) = one-hot rows of int {@code indices} (n). */
    record OneHot(View indices, View out) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(indices);
        }

        public List<View> writes() {
            return List.of(out);
        }
    }

    record Fill(View out, double value) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of();
        }

        public List<View> writes() {
            return List.of(out);
        }
    }

    /** {@code out[i...] = i[axis]}. */
    record Iota(View out, int axis) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of();
        }

        public List<View> writes() {
            return List.of(out);
        }
    }

    /** Elementwise copy between views of one shape (transposes, concatenation, stacking, padding). */
    record Copy(View src, View dst) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(src);
        }

        public List<View> writes() {
            return List.of(dst);
        }
    }

    /**
     * Runs {@code body} {@code length} times with loop index {@code level} set to t = 0, 1, … (or
     * t = length−1, …, 0 when {@code reverse}).
     */
    record Loop(int level, int length, boolean reverse, List<Instr> body, String label) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of();
        }

        public List<View> writes() {
            return List.of();
        }
    }

    /**
     * The end of a masked scan step: for each batch row inactive at the current step, carry slot i
     * keeps its value instead of taking {@code next[i]}, and each stacked output row is zeroed;
     * active rows take {@code next[i]}. Activity is {@code t < lengths[b]} or {@code mask[t, b]} (the
     * view {@code active} is then the step's mask row).
     */
    record MaskStep(int level, View active, boolean lengths, List<View> next, List<View> slots, List<View> outputs) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return concat(List.of(active), next);
        }

        public List<View> writes() {
            return concat(slots, outputs);
        }
    }

    /** Checks {@code 0 <= lengths[b] <= steps} before a masked scan runs. */
    record CheckLengths(View lengths, int steps, String label) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return List.of(lengths);
        }

        public List<View> writes() {
            return List.of();
        }
    }

    /**
     * An op with no dedicated instruction, run by the backend's reference kernel on copies of its
     * operands (e.g. integer matrix products). {@code node} holds the op and concrete types.
     */
    record Fallback(Node node, List<View> inputs, List<View> outputs) implements Instr {
        public <R> R accept(Visitor<R> v) {
            return v.visit(this);
        }

        public List<View> reads() {
            return inputs;
        }

        public List<View> writes() {
            return outputs;
        }
    }

    private static List<View> present(View... views) {
        List<View> out = new java.util.ArrayList<>();
        for (View v : views) {
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    private static List<View> concat(List<View> a, List<View> b) {
        List<View> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
