package dev.spool.backend.cpu;

import dev.spool.ops.internal.OpCode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Each op record's Javadoc names, per stage, the rule that stage's registry really returns for the
 * op: the registries' exhaustive switches make a missing rule a compile error, and this keeps the
 * one place a reader starts from (the op record) true when a rule moves or is renamed.
 */
class OpRulesDocumentedTest {
    private static final Path OPS = Path.of("..", "ops", "src", "main", "java", "dev", "spool", "ops");
    private static final Pattern CODE = Pattern.compile("\\{@code (dev\\.spool\\.[\\w.]+)#(\\w+)}");

    @Test
    void everyOpRecordNamesTheRuleEachStageUses() throws Exception {
        for (OpCode code : OpCode.values()) {
            String doc = rulesParagraph(code);
            List<String> named = new ArrayList<>();
            Matcher m = CODE.matcher(doc);
            while (m.find()) {
                named.add(m.group(1) + "#" + m.group(2));
            }
            assertTrue(named.contains(name(registry("dev.spool.compiler.lower.LoweringRules", code))), code + " lowering: " + doc);
            assertTrue(named.contains(name(registry("dev.spool.backend.cpu.reference.ReferenceRules", code))), code + " reference: " + doc);
            List<?> folding = (List<?>) registry("dev.spool.compiler.simplify.FoldingRules", code);
            assertEquals(folding.isEmpty(), doc.contains("folding none"), code + " folding: " + doc);
            Object template = templateOrNull(code);
            if (template == null) {
                assertFalse(doc.contains("codegen."), code + " has no kernel template: " + doc);
            } else {
                assertTrue(named.contains(name(template)), code + " kernel template: " + doc);
            }
            for (String n : named) {
                String[] parts = n.split("#");
                Class<?> c = Class.forName(parts[0]);
                assertTrue(Stream.of(c.getEnumConstants()).anyMatch(e -> ((Enum<?>) e).name().equals(parts[1])), n + " does not exist");
            }
        }
    }

    /** The "Rules by stage" paragraph of the record whose code() is {@code code}. */
    private static String rulesParagraph(OpCode code) throws IOException {
        try (Stream<Path> files = Files.walk(OPS)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String src = Files.readString(f);
                if (src.contains("return OpCode." + code + ";")) {
                    int at = src.indexOf("Rules by stage:");
                    assertTrue(at >= 0, f + " has no 'Rules by stage' paragraph");
                    return src.substring(at, src.indexOf("*/", at)).replaceAll("\\s*\\n\\s*\\*\\s*", " ");
                }
            }
        }
        return fail("no op record returns OpCode." + code);
    }

    private static Object registry(String className, OpCode code) throws ReflectiveOperationException {
        Method of = Class.forName(className).getDeclaredMethod("of", OpCode.class);
        of.setAccessible(true);
        return of.invoke(null, code);
    }

    private static Object templateOrNull(OpCode code) throws ReflectiveOperationException {
        try {
            return registry("dev.spool.backend.cpu.codegen.KernelTemplates", code);
        } catch (InvocationTargetException e) {
            assertTrue(e.getCause() instanceof IllegalArgumentException, e.getCause().toString());
            return null;
        }
    }

    private static String name(Object enumConstant) {
        Enum<?> e = (Enum<?>) enumConstant;
        return e.getDeclaringClass().getName() + "#" + e.name();
    }
}
