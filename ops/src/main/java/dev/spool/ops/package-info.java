/**
 * Building graphs op by op and differentiating them: {@link dev.spool.ops.Builder} (one method per
 * op, and {@code scan}) and {@link dev.spool.ops.Grad} (reverse-mode autodiff as a graph
 * transformation). {@link dev.spool.ops.UnaryFn}, {@link dev.spool.ops.BinaryFn} and
 * {@link dev.spool.ops.CompareFn} name the elementwise functions for the generic
 * {@code unary}/{@code binary}/{@code compare} methods.
 *
 * <pre>{@code
 * import dev.spool.graph.Graph;
 * import dev.spool.graph.Value;
 * import dev.spool.ops.Builder;
 * import dev.spool.ops.Grad;
 * import java.util.List;
 * import static dev.spool.graph.DType.F32;
 *
 * var b = new Builder();
 * Value x = b.input("x", F32, "B", 3);
 * Value w = b.parameter("w", F32, 1, 3);
 * Graph loss = b.build("loss", b.mean(b.square(b.matmul(x, w, false, true))));
 * Graph train = Grad.of(loss, "loss", List.of("w"));   // results: loss, grad.w
 * }</pre>
 *
 * <p>The op records, shape rules and the autodiff machinery are in {@code dev.spool.ops.internal}.
 */
package dev.spool.ops;
