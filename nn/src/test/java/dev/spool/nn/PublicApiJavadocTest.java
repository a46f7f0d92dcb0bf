package dev.spool.nn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public type, constructor and method of the user-facing API (the classes README's "Use
 * Spool as a library" names) has Javadoc with a tiny example ({@code {@code ...}} or a
 * {@code <pre>} block), so the IDE shows how to call it. Overrides inherit their documentation.
 */
class PublicApiJavadocTest {
    static final List<String> USER_FACING = List.of(
            "graph/src/main/java/dev/spool/graph/GraphBuilder.java",
            "graph/src/main/java/dev/spool/graph/Graph.java",
            "graph/src/main/java/dev/spool/graph/Tensor.java",
            "graph/src/main/java/dev/spool/graph/DType.java",
            "graph/src/main/java/dev/spool/graph/Shape.java",
            "graph/src/main/java/dev/spool/graph/Dim.java",
            "graph/src/main/java/dev/spool/graph/Value.java",
            "graph/src/main/java/dev/spool/graph/TensorType.java",
            "graph/src/main/java/dev/spool/graph/io/SafeTensors.java",
            "ops/src/main/java/dev/spool/ops/Builder.java",
            "ops/src/main/java/dev/spool/ops/autodiff/Grad.java",
            "backend-cpu/src/main/java/dev/spool/backend/cpu/CpuBackend.java",
            "backend-cpu/src/main/java/dev/spool/backend/cpu/CpuProgram.java",
            "nn/src/main/java/dev/spool/nn/RecurrentLayer.java",
            "nn/src/main/java/dev/spool/nn/RecurrentConfig.java",
            "nn/src/main/java/dev/spool/nn/CellType.java",
            "nn/src/main/java/dev/spool/nn/train/Optimizer.java",
            "nn/src/main/java/dev/spool/nn/train/Sgd.java",
            "nn/src/main/java/dev/spool/nn/train/Adam.java",
            "nn/src/main/java/dev/spool/nn/train/TrainingStep.java",
            "nn/src/main/java/dev/spool/nn/train/GradientClipping.java");

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
        for (String file : USER_FACING) {
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

    @Test
    void theCheckFindsAnUndocumentedMethod() {
        assertTrue(DECLARATION.matcher("    public Value tanh(Value x) {").matches());
        assertTrue(DECLARATION.matcher("public final class Tensor {").matches());
        assertTrue(DECLARATION.matcher("    void step(Map<String, Tensor> params, Map<String, Tensor> grads);").matches());
        assertTrue(!DECLARATION.matcher("    public static final String PREFIX = \"grad.\";").matches());
        assertTrue(EXAMPLE.matcher("/** Adds {@code b.tanh(x)}. */").find());
        assertTrue(!EXAMPLE.matcher("/** Drops the first {@code n} dims. */").find());
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
