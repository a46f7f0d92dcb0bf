package dev.spool.backend.cuda;

import dev.spool.program.internal.Instr;

import java.util.List;

/**
 * One step of a program as the CUDA backend runs it, before any device call: a launch of a
 * generated kernel (by name in the program's module), a cuBLAS GEMM, a loop driven from the host,
 * or an instruction the device cannot run.
 */
sealed interface DeviceStep {

    /** Launch kernel {@code name} of the module with {@code geometry}. */
    record Launch(String name, Geometry geometry) implements DeviceStep {
    }

    /** One (possibly strided-batched) GEMM. */
    record Gemm(Instr.Gemm gemm) implements DeviceStep {
    }

    /** Run {@code body} {@code length} times with loop index {@code level} = t (host-driven). */
    record Loop(int level, int length, boolean reverse, List<DeviceStep> body) implements DeviceStep {
        public Loop {
            body = List.copyOf(body);
        }
    }
}
