package dev.spool.nn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public type, constructor and method of the user-facing API (the packages README's "Use
 * Spool as a library" names, and the few user classes of packages that are otherwise internal) has
 * Javadoc with a tiny example ({@code {@code ...}} or a {@code <pre>} block), so the IDE shows how
 * to call it. Overrides inherit their documentation.
 */
class PublicApiJavadocTest {
    /** The public API packages: every class in them is checked. */
    static final List<String> API_PACKAGES = List.of(
            "graph/src/main/java/dev/spool/graph",
            "graph/src/main/java/dev/spool/graph/io",
            "ops/src/main/java/dev/spool/ops",
            "runtime/src/main/java/dev/spool/runtime",
            "nn/src/main/java/dev/spool/nn",
            "nn/src/main/java/dev/spool/nn/train",
            "nn/src/main/java/dev/spool/nn/data");
    /** User classes in packages whose other classes are compiler or Spark internals. */
    static final List<String> API_CLASSES = List.of(
            "backend-cpu/src/main/java/dev/spool/backend/cpu/CpuBackend.java",
            "backend-cpu/src/main/java/dev/spool/backend/cpu/CpuProgram.java",
            "spark/src/main/java/dev/spool/spark/SpoolSpark.java");

    /** Inspection methods of the CPU program, documented with the Program stage rather than as user API. */
    static final List<String> INSPECTION = List.of("profile()", "memoryPlan(", "kernelSources(", "lowered(");

    /** A declaration that is not a field or a statement: a type, a constructor or a method. */
    private static final Pattern DECLARATION = Pattern.compile(
            "^\\s*((public|static|default|abstract|final|sealed|synchronized)\\s+)*[\\w<>\\[\\], ?.]*\\b(class|interface|record|enum)\\s+\\w+.*"
            + "|^\\s*((public|static|default|abstract|final|synchronized)\\s+)*[\\w<>\\[\\], ?.]+\\s+\\w+\\([^=]*");
    /** An example: code with a call, a {@code <pre>} block. */
    private static final Pattern EXAMPLE = Pattern.compile("\\{@code [^}]*[(.=\\[]|<pre>", Pattern.DOTALL);

    @Test
    void everyPublicDeclarationHasJavadocWithAnExample() throws IOException {
        Path root = Fixtures.root().resolve("..");
        List<String> missing = new ArrayList<>();
        for (String file : userFacingFiles(root)) {
            List<String> lines = Files.readAllLines(root.resolve(file));
            boolean interfaceBody = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.contains(" interface ")) {
                    interfaceBody = true;
                }
                boolean isPublic = line.trim().startsWith("public ")
                        || interfaceBody && line.matches("^\\s{4}\\w.*") && !line.trim().startsWith("return");
                if (!isPublic || !DECLARATION.matcher(line).matches() || line.contains("private ")
                        || INSPECTION.stream().anyMatch(line::contains)) {
                    continue;
                }
                int j = i - 1;
                while (j >= 0 && lines.get(j).trim().startsWith("@")) {
                    if (lines.get(j).trim().equals("@Override")) {
                        j = -2;
                        break;
                    }
                    j--;
                }
                if (j == -2) {
                    continue;
                }
                String doc = javadocEndingAt(lines, j);
                if (doc == null || !EXAMPLE.matcher(doc).find()) {
                    missing.add(file.substring(file.lastIndexOf('/') + 1) + ":" + (i + 1) + ": " + line.trim()
                            + (doc == null ? "  (no Javadoc)" : "  (no example)"));
                }
            }
        }
        assertEquals(List.of(), missing, "public API without Javadoc and an example:\n" + String.join("\n", missing));
    }

    /** Modules whose package layout separates the API from {@code internal} packages. */
    static final List<String> SPLIT_MODULES = List.of("graph", "ops", "program", "runtime", "nn", "spark");

    @Test
    void everyPackageSaysWhetherItIsApiOrInternal() throws IOException {
        Path root = Fixtures.root().resolve("..");
        List<String> wrong = new ArrayList<>();
        for (String module : SPLIT_MODULES) {
            Path sources = root.resolve(module).resolve("src/main/java");
            List<Path> packages;
            try (Stream<Path> dirs = Files.walk(sources)) {
                packages = dirs.filter(Files::isDirectory).filter(PublicApiJavadocTest::holdsClasses).toList();
            }
            for (Path dir : packages) {
                String name = sources.relativize(dir).toString().replace('/', '.');
                Path info = dir.resolve("package-info.java");
                String doc = Files.exists(info) ? Files.readString(info) : "";
                boolean internal = name.contains(".internal");
                if (internal ? !(doc.contains("Internal:") && doc.contains("without notice")) : !doc.contains("<pre>")) {
                    wrong.add(name + (doc.isEmpty() ? ": no package-info.java"
                            : internal ? ": package-info does not say it is internal" : ": package-info has no example"));
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    private static boolean holdsClasses(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".java") && !f.endsWith("package-info.java"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theCheckFindsAnUndocumentedMethod() {
        assertTrue(DECLARATION.matcher("    public Value tanh(Value x) {").matches());
        assertTrue(DECLARATION.matcher("public final class Tensor {").matches());
        assertTrue(DECLARATION.matcher("    void step(Map<String, Tensor> params, Map<String, Tensor> grads);").matches());
        assertTrue(!DECLARATION.matcher("    public static final String PREFIX = \"grad.\";").matches());
        assertTrue(EXAMPLE.matcher("/** Adds {@code b.tanh(x)}. */").find());
        assertTrue(!EXAMPLE.matcher("/** Drops the first {@code n} dims. */").find());
    }

    /** The sources checked, relative to the repository root: the API packages' classes and {@link #API_CLASSES}. */
    private static List<String> userFacingFiles(Path root) throws IOException {
        List<String> files = new ArrayList<>();
        for (String dir : API_PACKAGES) {
            try (Stream<Path> classes = Files.list(root.resolve(dir))) {
                classes.map(f -> f.getFileName().toString())
                        .filter(name -> name.endsWith(".java") && !name.equals("package-info.java"))
                        .sorted()
                        .forEach(name -> files.add(dir + "/" + name));
            }
        }
        files.addAll(API_CLASSES);
        return files;
    }

    /** The Javadoc comment whose last line is {@code lines[end]}, or null. */
    private static String javadocEndingAt(List<String> lines, int end) {
        if (end < 0 || !lines.get(end).trim().endsWith("*/")) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (int k = end; k >= 0; k--) {
            sb.insert(0, lines.get(k) + "\n");
            if (lines.get(k).trim().startsWith("/**")) {
                return sb.toString();
            }
            if (lines.get(k).trim().startsWith("/*") && !lines.get(k).trim().startsWith("/**")) {
                return null;
            }
        }
        return null;
    }
}
