package dev.spool.backend.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The fallback compiler for generated modules: {@code nvcc -cubin -arch=sm_XY} in a temporary
 * directory, for a machine whose CUDA installation has nvcc but whose libnvrtc cannot be loaded
 * (or refuses a source). The tests use the same command to check every generated kernel.
 */
final class NvccCompiler {
    private NvccCompiler() {
    }

    /** nvcc on the PATH or in /usr/local/cuda/bin, or null. */
    static String find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvcc"))) {
                return Path.of(dir, "nvcc").toString();
            }
        }
        return Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc")) ? "/usr/local/cuda/bin/nvcc" : null;
    }

    static byte[] cubin(String source, int computeCapability) {
        String nvcc = find();
        if (nvcc == null) {
            throw new Cuda.CudaException("cannot compile generated kernels: libnvrtc could not be loaded and nvcc is not on the PATH");
        }
        try {
            Path dir = Files.createTempDirectory("spool-cuda");
            Path cu = dir.resolve("module.cu");
            Path out = dir.resolve("module.cubin");
            Files.writeString(cu, source);
            Process p = new ProcessBuilder(nvcc, "-cubin", "-arch=sm_" + computeCapability, "-o", out.toString(), cu.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new Cuda.CudaException("nvcc could not compile a generated module (" + cu + "): " + log);
            }
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new Cuda.CudaException("nvcc: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Cuda.CudaException("interrupted while nvcc ran");
        }
    }
}
