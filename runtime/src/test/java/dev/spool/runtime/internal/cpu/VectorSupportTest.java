package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The generated vector kernels load and store through {@code FloatVector.fromByteBuffer}, which the
 * Vector API has on JDK 17 and 18 only. On a later JDK (here: any JDK 25 installed beside the build's
 * JDK, started on this module's classes) kernels must run scalar, with one line saying why, instead
 * of failing to compile.
 */
class VectorSupportTest {
    /** Prints the float lanes kernels will use. */
    public static void main(String[] args) {
        System.out.println("lanes " + VectorSupport.floatLanes());
    }

    @Test
    void thisJdkHasVectorKernels() {
        assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "runs without jdk.incubator.vector");
        assumeTrue(Runtime.version().feature() <= 18, "the build runs on JDK " + Runtime.version().feature());
        assertTrue(VectorSupport.floatLanes() > 0);
    }

    @Test
    void aJdkWithoutByteBufferVectorsRunsScalarAndSaysWhy() throws IOException, InterruptedException {
        Optional<Path> jdk25;
        try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            jdk25 = jvms.filter(p -> p.getFileName().toString().contains("-25")).map(p -> p.resolve("bin/java")).filter(Files::isExecutable).findFirst();
        } catch (IOException e) {
            jdk25 = Optional.empty();
        }
        if (jdk25.isEmpty()) {
            System.out.println("VectorSupportTest: skipped, no JDK 25 under /usr/lib/jvm");
        }
        assumeTrue(jdk25.isPresent(), "no JDK 25 under /usr/lib/jvm");
        Process p = new ProcessBuilder(List.of(jdk25.get().toString(), "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), VectorSupportTest.class.getName())).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JDK 25 probe did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("lanes 0"), out);
        assertTrue(out.contains("need JDK 17 or 18"), out);
    }
}
