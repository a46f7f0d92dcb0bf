package dev.spool.backend.cuda;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.Graph;

/**
 * Entry point of the CUDA backend: {@link #compile} runs the same pass pipeline as the CPU backend
 * and returns a program that runs on the GPU (cuBLAS GEMM, generated kernels). Compiling needs no
 * device; the first run starts it, and {@link #probe} says whether there is one.
 *
 * <pre>{@code
 * CudaBackend.probe();                                   // throws NoCudaDeviceException("no CUDA device: ...")
 * Map<String, Tensor> y = CudaBackend.compile(graph).run(Map.of("x", x));
 * }</pre>
 */
public final class CudaBackend {
    private CudaBackend() {
    }

    public static CudaProgram compile(Graph graph) {
        return compile(graph, Pipeline.standard(), false);
    }

    /**
     * @param graphs capture each top-level scan loop as a CUDA graph on its first run and replay it
     *               after (one launch per loop instead of one per kernel and step)
     */
    public static CudaProgram compile(Graph graph, Pipeline pipeline, boolean graphs) {
        return new CudaProgram(pipeline.run(graph), pipeline, graphs);
    }

    /**
     * Starts the device if needed and describes it ("NVIDIA H200, sm_90, kernels by NVRTC").
     *
     * @throws NoCudaDeviceException when the CUDA libraries, the driver or a device are missing
     */
    public static String probe() {
        Cuda c = Cuda.device();
        return c.name() + ", sm_" + c.computeCapability() + ", kernels by " + c.compiler();
    }
}
