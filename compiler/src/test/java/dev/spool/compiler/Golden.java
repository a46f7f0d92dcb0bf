package dev.spool.compiler;

import dev.spool.graph.Graph;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Golden files of printed graphs before and after a pass, checked in under
 * {@code src/test/resources/golden/<dir>/<name>.txt}. Run the tests with
 * {@code -Dspool.golden.update=true} (from the module directory, as Maven does) to rewrite the
 * files from the current output instead of comparing; review the diff before committing it.
 */
public final class Golden {
    private static final boolean UPDATE = Boolean.getBoolean("spool.golden.update");

    private Golden() {
    }

    public static void check(String dir, String name, Graph before, Graph after) {
        check(dir, name, before.toString(), after.toString());
    }

    /** Any printed IR before and after (e.g. a Program around a Program pass). */
    public static void check(String dir, String name, String before, String after) {
        String text = "# before\n" + before + "\n# after\n" + after;
        String resource = "golden/" + dir + "/" + name + ".txt";
        if (UPDATE) {
            try {
                Path file = Path.of("src/test/resources", resource);
                Files.createDirectories(file.getParent());
                Files.writeString(file, text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        try (InputStream in = Golden.class.getClassLoader().getResourceAsStream(resource)) {
            assertNotNull(in, "missing golden file " + resource + "; run with -Dspool.golden.update=true to create it");
            assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), text, "golden " + resource
                    + " differs (run with -Dspool.golden.update=true to accept the new output)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
