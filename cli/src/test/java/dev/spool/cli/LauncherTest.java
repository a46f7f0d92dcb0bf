package dev.spool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ./spool} launcher prints nothing but Spool's own output: the JVM's incubator-module
 * warning (its first stderr line) is dropped, every other stderr line and stdout pass through, and
 * the exit code is the JVM's. Run against a copy of the script whose {@code java} is a stub that
 * prints what the real JVM would, so no build is needed.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    @Test
    void theIncubatorWarningIsDroppedAndEverythingElseKept() throws Exception {
        Path script = Path.of("..", "spool");
        assumeTrue(Files.isRegularFile(script) && Files.isExecutable(Path.of("/bin/bash")), "needs the launcher and bash");
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.copy(script, root.resolve("spool"));
        Files.createDirectories(root.resolve("cli/target/lib"));
        Files.writeString(root.resolve("cli/target/spool-cli.jar"), "");
        Files.writeString(root.resolve("cli/target/lib/.built"), ""); // built, nothing newer: no mvn
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, """
                #!/bin/bash
                echo 'WARNING: Using incubator modules: jdk.incubator.vector' >&2
                echo 'spool train: error: --lr must be > 0, got -1.0' >&2
                echo "args: ${@: -2}"
                echo 'WARNING: Using incubator modules: jdk.incubator.vector' >&2
                exit 2
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", root.resolve("spool").toString(), "--lr", "-1");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), "the JVM's exit code");
        assertEquals("args: --lr -1\n", Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8));
        // Only the first line is the JVM's: a later identical line is the program's own and stays.
        assertEquals("spool train: error: --lr must be > 0, got -1.0\nWARNING: Using incubator modules: jdk.incubator.vector\n",
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }
}
