package dev.spool.cli;

import dev.spool.backend.cuda.CudaBackend;
import dev.spool.backend.cuda.NoCudaDeviceException;

/** Whether the machine running the tests has a CUDA device (CI and the development machines do not). */
final class CudaDevice {
    private CudaDevice() {
    }

    static boolean present() {
        try {
            CudaBackend.probe();
            return true;
        } catch (NoCudaDeviceException e) {
            return false;
        }
    }
}
