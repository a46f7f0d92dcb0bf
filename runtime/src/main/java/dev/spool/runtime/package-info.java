/**
 * Running a compiled {@code .spool} artifact without the compiler: what a Java service embeds.
 * {@link dev.spool.runtime.SpoolModel} loads and runs one, {@link dev.spool.runtime.Signature}
 * says what it takes and returns, {@link dev.spool.runtime.Session} carries a recurrent state from
 * call to call, and a damaged or mismatched file is an {@link dev.spool.runtime.ArtifactException}.
 *
 * <pre>{@code
 * import dev.spool.graph.Tensor;
 * import dev.spool.runtime.SpoolModel;
 * import java.nio.file.Path;
 * import java.util.Map;
 *
 * SpoolModel model = SpoolModel.load(Path.of("model.spool"));   // written by `spool compile`
 * Map<String, Tensor> out = model.run(Map.of("input", x));
 * }</pre>
 */
package dev.spool.runtime;
