package dev.spool.backend.cuda;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.ops.Builder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without a driver (CI, the development machines) the backend says so in one line: the probe and
 * the first run throw {@link NoCudaDeviceException} "no CUDA device: …", never a JNI error.
 * Compiling a graph needs no device. Skipped on a machine that has one.
 */
class NoDeviceTest {

    private static boolean hasDevice() {
        try {
            CudaBackend.probe();
            return true;
        } catch (NoCudaDeviceException e) {
            return false;
        }
    }

    @Test
    void withoutADriverTheProbeAndTheFirstRunSayNoCudaDevice() {
        Assumptions.assumeFalse(hasDevice(), "this machine has a CUDA device");
        NoCudaDeviceException e = assertThrows(NoCudaDeviceException.class, CudaBackend::probe);
        assertTrue(e.getMessage().startsWith("no CUDA device: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());

        Builder b = new Builder();
        var x = b.input("x", DType.F32, 4);
        Graph g = b.build("y", b.tanh(x));
        CudaProgram p = CudaBackend.compile(g);
        NoCudaDeviceException run = assertThrows(NoCudaDeviceException.class, () -> p.run(Map.of("x", Tensor.zeros(DType.F32, 4))));
        assertTrue(run.getMessage().startsWith("no CUDA device: "), run.getMessage());
        assertTrue(p.moduleSource(Map.of()).contains("tanhf("), "the module is generated without a device");
    }
}
