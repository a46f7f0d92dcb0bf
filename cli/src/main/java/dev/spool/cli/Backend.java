package dev.spool.cli;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cuda.CudaBackend;
import dev.spool.backend.cuda.CudaTraining;
import dev.spool.backend.cuda.NoCudaDeviceException;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.runtime.internal.cpu.Profile;

import java.util.Map;

/**
 * The {@code --backend} flag: {@code cpu} (OpenBLAS and generated Vector API kernels) or {@code cuda}
 * (cuBLAS and generated CUDA kernels). Checking {@code cuda} starts the device, so a machine without
 * one is refused up front with "no CUDA device: …" (exit 2) rather than at the first run.
 */
enum Backend {
    CPU, CUDA;

    /** A compiled graph, whichever backend runs it. */
    interface Program {
        Map<String, Tensor> run(Map<String, Tensor> feeds);

        /** The optimised graph. */
        Graph graph();

        /**
         * Training of this (training) program by clip-by-global-norm ({@code maxNorm}, 0: none) and
         * SGD with the parameters kept on the GPU, or null on the CPU backend, whose caller clips and
         * steps on the host.
         */
        default CudaTraining deviceSgd(Map<String, Tensor> params, double maxNorm, double lr) {
            return null;
        }

        /** Per-instruction timing (the CPU backend only; call before the first run). */
        default Profile profile() {
            throw new ErrorReporter.UserError("per-instruction profiles exist for the CPU backend only");
        }
    }

    static Backend parse(String flag) {
        return switch (flag) {
            case "cpu" -> CPU;
            case "cuda" -> CUDA;
            default -> throw new ErrorReporter.UserError("--backend must be cpu or cuda, got '" + flag + "'");
        };
    }

    /** The backend named by the flag, its device started (for cuda). */
    static Backend check(String flag) {
        Backend b = parse(flag);
        if (b == CUDA) {
            try {
                CudaBackend.probe();
            } catch (NoCudaDeviceException e) {
                throw new ErrorReporter.UserError(e.getMessage());
            }
        }
        return b;
    }

    /**
     * @param cudaGraphs replay each scan loop as a captured CUDA graph (cuda only)
     */
    Program compile(Graph g, Pipeline pipeline, boolean cudaGraphs) {
        if (this == CPU) {
            var p = CpuBackend.compile(g, pipeline);
            return new Program() {
                public Map<String, Tensor> run(Map<String, Tensor> feeds) {
                    return p.run(feeds);
                }

                public Graph graph() {
                    return p.graph();
                }

                public Profile profile() {
                    return p.profile();
                }
            };
        }
        var p = CudaBackend.compile(g, pipeline, cudaGraphs);
        return new Program() {
            public Map<String, Tensor> run(Map<String, Tensor> feeds) {
                return p.run(feeds);
            }

            public Graph graph() {
                return p.graph();
            }

            public CudaTraining deviceSgd(Map<String, Tensor> params, double maxNorm, double lr) {
                return p.sgdTraining(params, maxNorm, lr);
            }
        };
    }
}
