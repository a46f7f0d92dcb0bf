/**
 * Reading and writing tensors as safetensors files, the format PyTorch and Hugging Face use for
 * weights: {@link dev.spool.graph.io.SafeTensors}.
 *
 * <pre>{@code
 * Map<String, Tensor> weights = SafeTensors.read(Path.of("weights.safetensors"));
 * SafeTensors.write(Path.of("out.safetensors"), Map.of("y", y));
 * }</pre>
 */
package dev.spool.graph.io;
