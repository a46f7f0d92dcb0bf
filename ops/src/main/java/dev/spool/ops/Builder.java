package dev.spool.ops;

import dev.spool.graph.DType;
import dev.spool.graph.GraphBuilder;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;

import java.util.Arrays;
import java.util.List;

/**
 * The graph builder with one method per primitive op. Build a step inside {@link #scan} with the
 * same builder; outer values used there become scan invariants automatically.
 *
 * <pre>{@code
 * var b = new Builder();
 * Value x = b.input("x", DType.F32, "B", 3);
 * Value w = b.parameter("w", DType.F32, 4, 3);
 * Graph g = b.build("y", b.tanh(b.linear(x, w, null)));
 * }</pre>
 */
public class Builder extends GraphBuilder {

    // Pointwise --------------------------------------------------------------------------------

    public Value unary(UnaryFn fn, Value x) {
        return apply1(new Unary(fn), x);
    }

    public Value neg(Value x) {
        return unary(UnaryFn.NEG, x);
    }

    public Value exp(Value x) {
        return unary(UnaryFn.EXP, x);
    }

    public Value log(Value x) {
        return unary(UnaryFn.LOG, x);
    }

    public Value tanh(Value x) {
        return unary(UnaryFn.TANH, x);
    }

    public Value sigmoid(Value x) {
        return unary(UnaryFn.SIGMOID, x);
    }

    public Value relu(Value x) {
        return unary(UnaryFn.RELU, x);
    }

    public Value sqrt(Value x) {
        return unary(UnaryFn.SQRT, x);
    }

    public Value binary(BinaryFn fn, Value a, Value b) {
        return apply1(new Binary(fn), a, b);
    }

    public Value add(Value a, Value b) {
        return binary(BinaryFn.ADD, a, b);
    }

    public Value sub(Value a, Value b) {
        return binary(BinaryFn.SUB, a, b);
    }

    public Value mul(Value a, Value b) {
        return binary(BinaryFn.MUL, a, b);
    }

    public Value div(Value a, Value b) {
        return binary(BinaryFn.DIV, a, b);
    }

    public Value maximum(Value a, Value b) {
        return binary(BinaryFn.MAX, a, b);
    }

    public Value compare(CompareFn fn, Value a, Value b) {
        return apply1(new Compare(fn), a, b);
    }

    public Value less(Value a, Value b) {
        return compare(CompareFn.LT, a, b);
    }

    public Value where(Value cond, Value a, Value b) {
        return apply1(new Where(), cond, a, b);
    }

    public Value cast(Value x, DType to) {
        return apply1(new Cast(to), x);
    }

    /** A scalar constant of the same dtype as {@code like}, for use with broadcasting ops. */
    public Value scalar(double v, DType dtype) {
        return constant(Tensor.scalar(dtype, v));
    }

    // Contractions ------------------------------------------------------------------------------

    public Value matmul(Value a, Value b) {
        return apply1(new MatMul(false, false), a, b);
    }

    public Value matmul(Value a, Value b, boolean transA, boolean transB) {
        return apply1(new MatMul(transA, transB), a, b);
    }

    /** {@code x W^T + b} as PyTorch's {@code nn.Linear} (W is out×in); {@code bias} may be null. */
    public Value linear(Value x, Value weight, Value bias) {
        Value y = matmul(x, weight, false, true);
        return bias == null ? y : add(y, bias);
    }

    // Data movement -----------------------------------------------------------------------------

    public Value transpose(Value x, Integer... perm) {
        return apply1(new Transpose(Arrays.asList(perm)), x);
    }

    public Value reshape(Value x, Object... shape) {
        return apply1(new Reshape(Shape.of(shape)), x);
    }

    public Value slice(Value x, int axis, int start, int end) {
        return apply1(new Slice(axis, start, end), x);
    }

    public Value index(Value x, int axis, int i) {
        return apply1(new Index(axis, i), x);
    }

    public Value concat(int axis, List<Value> xs) {
        return apply1(new Concat(axis), xs.toArray(Value[]::new));
    }

    public Value stack(int axis, List<Value> xs) {
        return apply1(new Stack(axis), xs.toArray(Value[]::new));
    }

    public Value gather(Value table, Value indices) {
        return apply1(new Gather(), table, indices);
    }

    public Value oneHot(Value indices, int depth, DType dtype) {
        return apply1(new OneHot(depth, dtype), indices);
    }

    // Reductions --------------------------------------------------------------------------------

    public Value sum(Value x, Integer... axes) {
        return apply1(new Reduce(ReduceFn.SUM, Arrays.asList(axes), false), x);
    }

    public Value mean(Value x, Integer... axes) {
        return apply1(new Reduce(ReduceFn.MEAN, Arrays.asList(axes), false), x);
    }

    public Value max(Value x, Integer... axes) {
        return apply1(new Reduce(ReduceFn.MAX, Arrays.asList(axes), false), x);
    }

    public Value softmax(Value x, int axis) {
        return apply1(new Softmax(axis, false), x);
    }

    public Value logSoftmax(Value x, int axis) {
        return apply1(new Softmax(axis, true), x);
    }

    public Value crossEntropy(Value logits, Value targets) {
        return apply1(new CrossEntropy(), logits, targets);
    }

    // Generators --------------------------------------------------------------------------------

    public Value fill(double value, DType dtype, Object... shape) {
        return apply1(new Fill(value, dtype, Shape.of(shape)));
    }

    public Value zeros(DType dtype, Object... shape) {
        return fill(0, dtype, shape);
    }
}
