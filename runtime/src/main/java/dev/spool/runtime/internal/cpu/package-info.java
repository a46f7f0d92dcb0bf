/**
 * Internal: the CPU executor: instruction execs, GEMM, the kernel interface generated kernels implement, and the Vector API helpers. Not part of Spool's API: other Spool modules use it, users should not; it may
 * change or move in any release without notice. What users write against is in {@code dev.spool.runtime} and {@code dev.spool.backend.cpu.CpuBackend}.
 */
package dev.spool.runtime.internal.cpu;
