package dev.spool.backend.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel generated for the fixture layers (each cell, forward and gradient, with and without
 * lengths) and the anchor language models compiles with {@code nvcc -cubin -arch=sm_90}, the
 * architecture of the H100/H200 the backend targets. The modules go into one file (each in its own
 * namespace), so nvcc runs once. Skipped, with the reason printed, where nvcc is absent.
 */
class GeneratedKernelsCompileTest {

    static String nvcc() {
        return NvccCompiler.find();
    }

    @Test
    void everyFixtureKernelCompilesForSm90() throws Exception {
        String nvcc = nvcc();
        if (nvcc == null) {
            System.out.println("GeneratedKernelsCompileTest skipped: nvcc is not on the PATH (nor in /usr/local/cuda/bin)");
        }
        Assumptions.assumeTrue(nvcc != null, "nvcc not found");
        Map<String, String> modules = new LinkedHashMap<>();
        int kernels = 0;
        for (FixtureModels.Model m : FixtureModels.all()) {
            String src = CudaBackend.compile(m.graph()).moduleSource(m.dims());
            kernels += src.split("__global__ void k", -1).length - 1;
            modules.putIfAbsent(ModuleCache.hash(src), src);
            if (m.name().endsWith("-train")) {
                // The same program with the on-device clip and SGD update, as spool bench and train run it.
                List<String> params = m.graph().resultNames().stream().filter(r -> r.startsWith("grad.")).map(r -> r.substring(5)).toList();
                String training = CudaBackend.compile(m.graph()).trainingModuleSource(m.dims(), new SgdUpdate.Rule(params, 1, 0.5));
                kernels += training.split("__global__ void ", -1).length - src.split("__global__ void ", -1).length;
                modules.putIfAbsent(ModuleCache.hash(training), training);
            }
        }
        StringBuilder all = new StringBuilder();
        int n = 0;
        for (String src : modules.values()) {
            all.append("namespace m").append(n++).append(" {\n#undef SP_FLAG\n#undef SP_NAN\n").append(src.replace("extern \"C\" ", "")).append("}\n");
        }
        Path dir = Files.createTempDirectory("spool-nvcc");
        Path cu = dir.resolve("fixtures.cu");
        Files.writeString(cu, all);
        Process p = new ProcessBuilder(nvcc, "-cubin", "-arch=sm_90", "-o", dir.resolve("fixtures.cubin").toString(), cu.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "nvcc timed out");
        assertEquals(0, p.exitValue(), "nvcc failed on " + cu + ":\n" + log);
        assertTrue(Files.size(dir.resolve("fixtures.cubin")) > 0);
        System.out.printf("nvcc -cubin -arch=sm_90: %d modules, %d kernels compiled%n", modules.size(), kernels);
    }
}
