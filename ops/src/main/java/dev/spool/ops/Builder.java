package dev.spool.ops;

import dev.spool.graph.DType;
import dev.spool.graph.GraphBuilder;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Concat;
import dev.spool.ops.internal.CrossEntropy;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Gather;
import dev.spool.ops.internal.Index;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.OneHot;
import dev.spool.ops.internal.Reduce;
import dev.spool.ops.internal.ReduceFn;
import dev.spool.ops.internal.Reshape;
import dev.spool.ops.internal.Slice;
import dev.spool.ops.internal.Softmax;
import dev.spool.ops.internal.Stack;
import dev.spool.ops.internal.Transpose;
import dev.spool.ops.internal.Unary;
import dev.spool.ops.internal.Where;

import java.util.Arrays;
import java.util.List;

/**
 * The graph builder with one method per primitive op. Build a step inside {@link #scan} with the
 * same builder; outer values used there become scan invariants automatically. Shapes are checked
 * as each op is added: a mistake is a {@link dev.spool.graph.GraphException} naming the node path
 * and both shapes, at the line that made it. Pointwise ops broadcast as numpy does.
 *
 * <pre>{@code
 * import dev.spool.graph.Graph;
 * import dev.spool.graph.Value;
 * import dev.spool.ops.Builder;
 * import static dev.spool.graph.DType.F32;
 *
 * var b = new Builder();
 * Value x = b.input("x", F32, "B", 3);          // B is bound when the graph runs
 * Value w = b.parameter("w", F32, 4, 3);
 * Graph g = b.build("y", b.tanh(b.linear(x, w, null)));   // y : F32(B, 4)
 * }</pre>
 */
public class Builder extends GraphBuilder {

    /** A builder for a new top-level graph: {@code var b = new Builder();}. */
    public Builder() {
    }

    // Pointwise --------------------------------------------------------------------------------

    /** {@code fn(x)} elementwise, for any {@link UnaryFn}: {@code b.unary(UnaryFn.EXP, x)}. */
    public Value unary(UnaryFn fn, Value x) {
        return apply1(new Unary(fn), x);
    }

    /** {@code -x} elementwise: {@code b.neg(x)}. */
    public Value neg(Value x) {
        return unary(UnaryFn.NEG, x);
    }

    /** {@code e^x} elementwise: {@code b.exp(x)}. */
    public Value exp(Value x) {
        return unary(UnaryFn.EXP, x);
    }

    /** The natural logarithm elementwise: {@code b.log(probabilities)}. */
    public Value log(Value x) {
        return unary(UnaryFn.LOG, x);
    }

    /** {@code tanh(x)} elementwise: {@code Value h = b.tanh(b.linear(x, w, bias));}. */
    public Value tanh(Value x) {
        return unary(UnaryFn.TANH, x);
    }

    /** {@code 1 / (1 + e^-x)} elementwise: {@code Value gate = b.sigmoid(z);}. */
    public Value sigmoid(Value x) {
        return unary(UnaryFn.SIGMOID, x);
    }

    /** {@code max(x, 0)} elementwise: {@code b.relu(x)}. */
    public Value relu(Value x) {
        return unary(UnaryFn.RELU, x);
    }

    /** The square root elementwise: {@code b.sqrt(variance)}. */
    public Value sqrt(Value x) {
        return unary(UnaryFn.SQRT, x);
    }

    /** {@code |x|} elementwise: {@code b.mean(b.abs(b.sub(y, target)))} (an L1 loss). */
    public Value abs(Value x) {
        return unary(UnaryFn.ABS, x);
    }

    /** {@code x * x} elementwise: {@code b.mean(b.square(b.sub(y, target)))} (a squared error). */
    public Value square(Value x) {
        return unary(UnaryFn.SQUARE, x);
    }

    /** {@code 1 / x} elementwise: {@code b.reciprocal(norm)}. */
    public Value reciprocal(Value x) {
        return unary(UnaryFn.RECIPROCAL, x);
    }

    /** {@code fn(a, b)} elementwise with broadcasting, for any {@link BinaryFn}: {@code b.binary(BinaryFn.ADD, x, y)}. */
    public Value binary(BinaryFn fn, Value a, Value b) {
        return apply1(new Binary(fn), a, b);
    }

    /** {@code a + b} with broadcasting: {@code b.add(b.matmul(x, w), bias)} adds a (H) bias to every row. */
    public Value add(Value a, Value b) {
        return binary(BinaryFn.ADD, a, b);
    }

    /** {@code a - b} with broadcasting: {@code b.sub(b.scalar(1, F32), z)}. */
    public Value sub(Value a, Value b) {
        return binary(BinaryFn.SUB, a, b);
    }

    /** {@code a * b} elementwise with broadcasting: {@code b.mul(gate, h)}. */
    public Value mul(Value a, Value b) {
        return binary(BinaryFn.MUL, a, b);
    }

    /** {@code a / b} with broadcasting (integers truncate toward zero): {@code b.div(x, b.scalar(2, F32))}. */
    public Value div(Value a, Value b) {
        return binary(BinaryFn.DIV, a, b);
    }

    /** The larger of {@code a} and {@code b} elementwise: {@code b.maximum(x, b.scalar(0, F32))}. */
    public Value maximum(Value a, Value b) {
        return binary(BinaryFn.MAX, a, b);
    }

    /** The smaller of {@code a} and {@code b} elementwise: {@code b.minimum(x, b.scalar(1, F32))}. */
    public Value minimum(Value a, Value b) {
        return binary(BinaryFn.MIN, a, b);
    }

    /** {@code a} to the power {@code b} elementwise: {@code b.pow(x, b.scalar(3, F32))}. */
    public Value pow(Value a, Value b) {
        return binary(BinaryFn.POW, a, b);
    }

    /** A BOOL comparison elementwise with broadcasting, for any {@link CompareFn}: {@code b.compare(CompareFn.GE, x, y)}. */
    public Value compare(CompareFn fn, Value a, Value b) {
        return apply1(new Compare(fn), a, b);
    }

    /** {@code a < b} as BOOL: {@code b.where(b.less(x, zero), b.neg(x), x)}. */
    public Value less(Value a, Value b) {
        return compare(CompareFn.LT, a, b);
    }

    /** {@code a <= b} as BOOL: {@code b.lessEqual(t, lengths)}. */
    public Value lessEqual(Value a, Value b) {
        return compare(CompareFn.LE, a, b);
    }

    /** {@code a > b} as BOOL: {@code b.greater(x, threshold)}. */
    public Value greater(Value a, Value b) {
        return compare(CompareFn.GT, a, b);
    }

    /** {@code a >= b} as BOOL: {@code b.greaterEqual(x, threshold)}. */
    public Value greaterEqual(Value a, Value b) {
        return compare(CompareFn.GE, a, b);
    }

    /** {@code a == b} as BOOL: {@code b.equal(predicted, targets)}. */
    public Value equal(Value a, Value b) {
        return compare(CompareFn.EQ, a, b);
    }

    /** {@code a != b} as BOOL: {@code b.notEqual(tokens, padId)}. */
    public Value notEqual(Value a, Value b) {
        return compare(CompareFn.NE, a, b);
    }

    /** {@code cond ? a : b} elementwise with broadcasting; {@code cond} is BOOL: {@code b.where(mask, h, hPrev)}. */
    public Value where(Value cond, Value a, Value b) {
        return apply1(new Where(), cond, a, b);
    }

    /** Converts to another dtype (floats to integers truncate): {@code b.cast(tokens, DType.F32)}. */
    public Value cast(Value x, DType to) {
        return apply1(new Cast(to), x);
    }

    /**
     * A rank-0 constant {@code v} of {@code dtype}, to combine with tensors through broadcasting.
     *
     * <pre>{@code Value half = b.mul(x, b.scalar(0.5, DType.F32));}</pre>
     */
    public Value scalar(double v, DType dtype) {
        return constant(Tensor.scalar(v, dtype));
    }

    // Contractions ------------------------------------------------------------------------------

    /**
     * The matrix product {@code a · b}: 2-D, or batched over the leading axes of {@code a}.
     *
     * <pre>{@code Value y = b.matmul(x, w);   // (B, 3) · (3, 4) -> (B, 4)}</pre>
     */
    public Value matmul(Value a, Value b) {
        return apply1(new MatMul(false, false), a, b);
    }

    /**
     * The matrix product with either operand transposed (BLAS flags, no copy).
     *
     * <pre>{@code Value y = b.matmul(x, w, false, true);   // x · wᵀ: (B, 3) · (4, 3)ᵀ -> (B, 4)}</pre>
     */
    public Value matmul(Value a, Value b, boolean transA, boolean transB) {
        return apply1(new MatMul(transA, transB), a, b);
    }

    /**
     * {@code x W^T + b} as PyTorch's {@code nn.Linear} (W is out×in); {@code bias} may be null.
     *
     * <pre>{@code Value h = b.linear(xt, p1, b1);   // (B, F) · (U, F)ᵀ + (U) -> (B, U)}</pre>
     */
    public Value linear(Value x, Value weight, Value bias) {
        Value y = matmul(x, weight, false, true);
        return bias == null ? y : add(y, bias);
    }

    // Data movement -----------------------------------------------------------------------------

    /** Permutes axes: output axis i is input axis {@code perm[i]}: {@code b.transpose(x, 1, 0, 2)} swaps time and batch. */
    public Value transpose(Value x, Integer... perm) {
        return apply1(new Transpose(Arrays.asList(perm)), x);
    }

    /**
     * The same elements in another shape of equal volume; dims may be symbols or products.
     *
     * <pre>{@code Value rows = b.reshape(hs, Dim.product(Dim.of("T"), Dim.of("B")), 256);   // (T, B, H) -> (T*B, H)}</pre>
     */
    public Value reshape(Value x, Object... shape) {
        return apply1(new Reshape(Shape.of(shape)), x);
    }

    /** Entries {@code start} (inclusive) to {@code end} (exclusive) of one axis: {@code b.slice(gates, 1, 0, H)}. */
    public Value slice(Value x, int axis, int start, int end) {
        return apply1(new Slice(axis, start, end), x);
    }

    /** Entry {@code i} of one axis, with the axis dropped: {@code b.index(hs, 0, 0)} is the first step of a (T, B, H) sequence. */
    public Value index(Value x, int axis, int i) {
        return apply1(new Index(axis, i), x);
    }

    /** Joins values along an existing axis: {@code b.concat(1, List.of(forward, backward))}. */
    public Value concat(int axis, List<Value> xs) {
        return apply1(new Concat(axis), xs.toArray(Value[]::new));
    }

    /** Stacks equal-shaped values on a new axis: {@code b.stack(0, List.of(h1, h2))} is (2, B, H). */
    public Value stack(int axis, List<Value> xs) {
        return apply1(new Stack(axis), xs.toArray(Value[]::new));
    }

    /** Rows of {@code table} picked by integer {@code indices} (an embedding lookup): {@code b.gather(embedding, tokens)}. */
    public Value gather(Value table, Value indices) {
        return apply1(new Gather(), table, indices);
    }

    /** One-hot rows of {@code depth} for integer {@code indices}, a new last axis: {@code b.oneHot(tokens, 28, F32)}. */
    public Value oneHot(Value indices, int depth, DType dtype) {
        return apply1(new OneHot(depth, dtype), indices);
    }

    // Reductions --------------------------------------------------------------------------------

    /** The sum over the given axes (all axes when none): {@code b.sum(x, 0)}; {@code b.sum(x)} is a scalar. */
    public Value sum(Value x, Integer... axes) {
        return apply1(new Reduce(ReduceFn.SUM, Arrays.asList(axes), false), x);
    }

    /** The mean over the given axes (all axes when none): {@code Value loss = b.mean(b.square(err));}. */
    public Value mean(Value x, Integer... axes) {
        return apply1(new Reduce(ReduceFn.MEAN, Arrays.asList(axes), false), x);
    }

    /** The maximum over the given axes (all axes when none): {@code b.max(logits, 1)}. */
    public Value max(Value x, Integer... axes) {
        return apply1(new Reduce(ReduceFn.MAX, Arrays.asList(axes), false), x);
    }

    /** The softmax along one axis: {@code b.softmax(logits, 1)}. */
    public Value softmax(Value x, int axis) {
        return apply1(new Softmax(axis, false), x);
    }

    /** The log of the softmax along one axis, computed stably: {@code b.logSoftmax(logits, 1)}. */
    public Value logSoftmax(Value x, int axis) {
        return apply1(new Softmax(axis, true), x);
    }

    /**
     * The mean cross-entropy of {@code logits} (..., C) against integer class {@code targets} (...),
     * a float scalar, as {@code torch.nn.functional.cross_entropy} over all leading positions.
     *
     * <pre>{@code Value loss = b.crossEntropy(logits, targets);   // (T, B, 28) against (T, B)}</pre>
     */
    public Value crossEntropy(Value logits, Value targets) {
        return apply1(new CrossEntropy(), logits, targets);
    }

    // Generators --------------------------------------------------------------------------------

    /** A tensor of one value; dims may be symbols: {@code b.fill(1, F32, "B", 4)}. */
    public Value fill(double value, DType dtype, Object... shape) {
        return apply1(new Fill(value, dtype, Shape.of(shape)));
    }

    /** A tensor of zeros; dims may be symbols: {@code Value h0 = b.zeros(F32, "B", 256);} (an initial carry). */
    public Value zeros(DType dtype, Object... shape) {
        return fill(0, dtype, shape);
    }
}
