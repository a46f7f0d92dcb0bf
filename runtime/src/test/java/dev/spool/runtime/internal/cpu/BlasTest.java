package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlasTest {
    @Test
    void coreTypeWarningOnlyWhenThePinIsNarrowerThanTheVectors() {
        String w = Blas.coreTypeWarning("Haswell", 512).orElseThrow();
        assertTrue(w.startsWith("OPENBLAS_CORETYPE=Haswell pins OpenBLAS"), w);
        assertTrue(w.contains("512-bit") && w.contains("unset it or set SkylakeX"), w);
        assertTrue(Blas.coreTypeWarning(" zen ", 512).isPresent());
        assertEquals(java.util.Optional.empty(), Blas.coreTypeWarning("Haswell", 256), "AVX2 CPU: Haswell is its best");
        assertEquals(java.util.Optional.empty(), Blas.coreTypeWarning("SKYLAKEX", 512));
        assertEquals(java.util.Optional.empty(), Blas.coreTypeWarning("Cooperlake", 512));
        assertEquals(java.util.Optional.empty(), Blas.coreTypeWarning(null, 512), "not pinned: OpenBLAS detects the CPU");
        assertEquals(java.util.Optional.empty(), Blas.coreTypeWarning("", 512));
    }
}
