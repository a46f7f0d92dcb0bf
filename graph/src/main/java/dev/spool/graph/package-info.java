/**
 * Graphs and tensors: what every Spool user writes against. A {@link dev.spool.graph.Graph} is a
 * static dataflow graph of typed {@link dev.spool.graph.Value}s with symbolic shapes
 * ({@link dev.spool.graph.Shape}, {@link dev.spool.graph.Dim}, {@link dev.spool.graph.TensorType},
 * {@link dev.spool.graph.DType}); {@link dev.spool.graph.GraphBuilder} builds one, with
 * {@link dev.spool.graph.GraphBuilder#scan scan} for loops (its nested {@code Step},
 * {@code ScanResult} and {@code ScanOptions}); {@link dev.spool.graph.Tensor} holds the data that
 * goes in and comes out. A mistake in a graph is a {@link dev.spool.graph.GraphException} (a
 * {@link dev.spool.graph.ShapeException} for shapes) naming the node; wrong feeds are an
 * {@link dev.spool.graph.InputException}. Build graphs with {@code dev.spool.ops.Builder}, which
 * adds one method per op:
 *
 * <pre>{@code
 * import dev.spool.graph.Graph;
 * import dev.spool.graph.Tensor;
 * import dev.spool.graph.Value;
 * import dev.spool.ops.Builder;
 * import static dev.spool.graph.DType.F32;
 *
 * var b = new Builder();
 * Value x = b.input("x", F32, "B", 3);                 // B is bound when the graph runs
 * Graph g = b.build("y", b.tanh(x));
 * Tensor xs = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
 * }</pre>
 *
 * <p>The IR's node types ({@code Node}, {@code Op}, {@code ScanOp}, ...) are in
 * {@code dev.spool.graph.internal}: compiler passes use them, users meet them only through
 * {@link dev.spool.graph.Graph#nodes()} when inspecting a graph.
 */
package dev.spool.graph;
