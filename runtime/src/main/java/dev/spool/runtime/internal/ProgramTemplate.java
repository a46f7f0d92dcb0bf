package dev.spool.runtime.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A lowered program's text ({@code ProgramText}) with every integer that depends on the symbolic
 * dims written as a {@link SizeFormula}: {@code ${4*B*H}}. Binding the dims evaluates the formulas
 * and gives the text of the program for those sizes, so an artifact serves every batch size and
 * sequence length without lowering anything at load (only sizes and offsets are computed; memory is
 * then planned for them).
 *
 * <p>It is made by {@link #fit}: the compiler lowers the graph at the corners of a small grid of
 * sizes, and each integer that differs between them gets the multilinear formula through its
 * values; the template is then checked against programs lowered at further sizes (a size-dependent
 * decision of the compiler would show there and is refused rather than guessed).
 *
 * <pre>{@code
 * ProgramTemplate t = ProgramTemplate.read(text);
 * Program p = ProgramText.read(t.bind(Map.of("T", 35, "B", 32)));
 * }</pre>
 */
public final class ProgramTemplate {
    /** The first line of the serialised form, followed by the dims. */
    public static final String MAGIC = "spool-program-template 1";

    private final List<String> dims;
    private final List<String> literals;
    private final List<SizeFormula> sizes;

    private ProgramTemplate(List<String> dims, List<String> literals, List<SizeFormula> sizes) {
        this.dims = List.copyOf(dims);
        this.literals = List.copyOf(literals);
        this.sizes = List.copyOf(sizes);
    }

    /** The symbolic dims, in formula order. */
    public List<String> dims() {
        return dims;
    }

    /**
     * The program text at these sizes (every dim of {@link #dims()} bound).
     *
     * @throws IllegalArgumentException when a dim is missing
     */
    public String bind(Map<String, Integer> values) {
        for (String d : dims) {
            if (!values.containsKey(d)) {
                throw new IllegalArgumentException("no size for dim " + d);
            }
        }
        StringBuilder sb = new StringBuilder(literals.get(0));
        for (int i = 0; i < sizes.size(); i++) {
            sb.append(sizes.get(i).eval(sizes.get(i).values(values))).append(literals.get(i + 1));
        }
        return sb.toString();
    }

    /** The serialised form: {@link #MAGIC}, the dims, then the text with {@code ${formula}} for sizes. */
    public String write() {
        StringBuilder sb = new StringBuilder(MAGIC).append(" dims ").append(String.join(",", dims)).append('\n');
        sb.append(literals.get(0));
        for (int i = 0; i < sizes.size(); i++) {
            sb.append("${").append(sizes.get(i)).append('}').append(literals.get(i + 1));
        }
        return sb.toString();
    }

    /**
     * Reads {@link #write}'s form.
     *
     * @throws IllegalArgumentException naming what is malformed
     */
    public static ProgramTemplate read(String text) {
        int nl = text.indexOf('\n');
        String header = nl < 0 ? text : text.substring(0, nl);
        if (!header.startsWith(MAGIC + " dims ")) {
            throw new IllegalArgumentException("not a program template: first line '" + header + "'");
        }
        String d = header.substring((MAGIC + " dims ").length()).trim();
        List<String> dims = d.isEmpty() ? List.of() : List.of(d.split(","));
        List<String> literals = new ArrayList<>();
        List<SizeFormula> sizes = new ArrayList<>();
        String body = text.substring(nl + 1);
        int at = 0;
        while (true) {
            int open = body.indexOf("${", at);
            if (open < 0) {
                literals.add(body.substring(at));
                break;
            }
            int close = body.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unterminated size formula at character " + open);
            }
            literals.add(body.substring(at, open));
            sizes.add(SizeFormula.parse(body.substring(open + 2, close), dims));
            at = close + 1;
        }
        return new ProgramTemplate(dims, literals, sizes);
    }

    /**
     * The template through the program texts at the corners of the grid {@code low}/{@code high}
     * (one size per dim, {@code low[i] != high[i]}), then checked at each of {@code checks}.
     *
     * @param textAt the program text for sizes in {@code dims} order
     * @throws IllegalArgumentException when the texts differ in anything but integers, an integer is
     *                                  not a multilinear function of the dims, or a check differs
     */
    public static ProgramTemplate fit(List<String> dims, int[] low, int[] high, List<int[]> checks, Function<int[], String> textAt) {
        int corners = 1 << dims.size();
        List<List<String>> literalsAt = new ArrayList<>();
        List<long[]> numbersAt = new ArrayList<>();
        for (int mask = 0; mask < corners; mask++) {
            int[] v = new int[dims.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (mask & 1 << i) != 0 ? high[i] : low[i];
            }
            List<String> lit = new ArrayList<>();
            numbersAt.add(tokenize(textAt.apply(v), lit));
            literalsAt.add(lit);
            if (!lit.equals(literalsAt.get(0))) {
                throw new IllegalArgumentException("the lowered program's structure depends on the sizes (" + describe(dims, v)
                        + " differs from " + describe(dims, low) + ")" + firstDifference(literalsAt.get(0), lit));
            }
        }
        int n = numbersAt.get(0).length;
        List<SizeFormula> sizes = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            long[] corner = new long[corners];
            for (int mask = 0; mask < corners; mask++) {
                corner[mask] = numbersAt.get(mask)[k];
            }
            SizeFormula f = SizeFormula.fit(dims, low, high, corner);
            if (f == null) {
                throw new IllegalArgumentException("integer " + k + " of the lowered program (" + Arrays.toString(corner)
                        + " at the grid corners) is not a multilinear function of " + dims);
            }
            sizes.add(f);
        }
        ProgramTemplate t = merge(dims, literalsAt.get(0), sizes);
        for (int[] check : checks) {
            String want = textAt.apply(check);
            String got = t.bind(toMap(dims, check));
            if (!want.equals(got)) {
                List<String> a = new ArrayList<>();
                List<String> b = new ArrayList<>();
                tokenize(want, a);
                tokenize(got, b);
                throw new IllegalArgumentException("the lowered program at " + describe(dims, check) + " is not the template's"
                        + (a.equals(b) ? " (a size is not multilinear in " + dims + ": " + firstNumberDifference(want, got) + ")" : firstDifference(a, b)));
            }
        }
        return t;
    }

    /** Constant integers go back into the text; only sizes that vary stay formulas. */
    private static ProgramTemplate merge(List<String> dims, List<String> literals, List<SizeFormula> numbers) {
        List<String> lit = new ArrayList<>();
        List<SizeFormula> sizes = new ArrayList<>();
        StringBuilder current = new StringBuilder(literals.get(0));
        for (int k = 0; k < numbers.size(); k++) {
            SizeFormula f = numbers.get(k);
            if (f.isConstant()) {
                current.append(f.coefficients()[0]).append(literals.get(k + 1));
            } else {
                lit.add(current.toString());
                sizes.add(f);
                current = new StringBuilder(literals.get(k + 1));
            }
        }
        lit.add(current.toString());
        return new ProgramTemplate(dims, lit, sizes);
    }

    /**
     * Splits text into literal pieces and the integers between them: a run of digits (with a minus
     * sign right before it) that is not part of a name ({@code b12}, {@code in0}, {@code %3}) or of a
     * floating-point literal ({@code 0.5}, {@code 1.0E-5}).
     */
    static long[] tokenize(String text, List<String> literals) {
        List<Long> numbers = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            int start = i;
            boolean negative = c == '-' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1));
            if ((Character.isDigit(c) || negative) && !partOfWord(text, start)) {
                int j = negative ? i + 1 : i;
                while (j < text.length() && Character.isDigit(text.charAt(j))) {
                    j++;
                }
                boolean floating = j < text.length() && (text.charAt(j) == '.' || text.charAt(j) == 'E' || text.charAt(j) == 'e');
                if (floating) {
                    j = endOfFloat(text, j);
                } else {
                    literals.add(lit.toString());
                    lit.setLength(0);
                    numbers.add(Long.parseLong(text.substring(start, j)));
                    i = j;
                    continue;
                }
                lit.append(text, start, j);
                i = j;
                continue;
            }
            lit.append(c);
            i++;
        }
        literals.add(lit.toString());
        return numbers.stream().mapToLong(Long::longValue).toArray();
    }

    /** The end of a floating-point literal's fraction and exponent that start at {@code at}. */
    private static int endOfFloat(String text, int at) {
        int j = at;
        if (j < text.length() && text.charAt(j) == '.') {
            j++;
            while (j < text.length() && Character.isDigit(text.charAt(j))) {
                j++;
            }
        }
        if (j < text.length() && (text.charAt(j) == 'E' || text.charAt(j) == 'e')) {
            j++;
            if (j < text.length() && (text.charAt(j) == '-' || text.charAt(j) == '+')) {
                j++;
            }
            while (j < text.length() && Character.isDigit(text.charAt(j))) {
                j++;
            }
        }
        return j;
    }

    private static boolean partOfWord(String text, int at) {
        if (at == 0) {
            return false;
        }
        char p = text.charAt(at - 1);
        return Character.isLetterOrDigit(p) || p == '_' || p == '%' || p == '.' || p == '$';
    }

    private static String firstDifference(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return ": '" + clip(a.get(i)) + "' against '" + clip(b.get(i)) + "'";
            }
        }
        return ": " + a.size() + " against " + b.size() + " pieces";
    }

    private static String firstNumberDifference(String want, String got) {
        List<String> lit = new ArrayList<>();
        long[] a = tokenize(want, lit);
        long[] b = tokenize(got, new ArrayList<>());
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                String before = lit.get(i);
                return "lowered " + a[i] + ", template " + b[i] + " after '" + before.substring(Math.max(0, before.length() - 60)) + "'";
            }
        }
        return "no difference";
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private static Map<String, Integer> toMap(List<String> dims, int[] v) {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
            m.put(dims.get(i), v[i]);
        }
        return m;
    }

    private static String describe(List<String> dims, int[] v) {
        return toMap(dims, v).toString();
    }

    @Override
    public String toString() {
        return write();
    }
}
