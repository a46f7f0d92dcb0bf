package dev.spool.runtime.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An integer of a lowered program as a function of the symbolic dims: a multilinear polynomial
 * (every dim at most once per term: {@code 4*B*T*H} is, {@code B*B} is not), which is what element
 * counts, strides, offsets and loop bounds of a program lowered from a graph with those dims are.
 * {@code coefficients[mask]} multiplies the product of the dims whose bits are set in mask.
 *
 * <pre>{@code
 * SizeFormula f = SizeFormula.parse("-4*B+4*B*T", List.of("B", "T"));
 * long v = f.eval(new int[] {32, 35});   // 4352
 * }</pre>
 */
public record SizeFormula(List<String> dims, long[] coefficients) {

    public SizeFormula {
        dims = List.copyOf(dims);
        coefficients = coefficients.clone();
        if (coefficients.length != 1 << dims.size()) {
            throw new IllegalArgumentException(dims.size() + " dims need " + (1 << dims.size()) + " coefficients, got " + coefficients.length);
        }
    }

    /** The value at {@code values[i]} for dim i. */
    public long eval(int[] values) {
        long sum = 0;
        for (int mask = 0; mask < coefficients.length; mask++) {
            long term = coefficients[mask];
            for (int i = 0; term != 0 && i < values.length; i++) {
                if ((mask & 1 << i) != 0) {
                    term = Math.multiplyExact(term, values[i]);
                }
            }
            sum = Math.addExact(sum, term);
        }
        return sum;
    }

    /** Whether the value does not depend on any dim. */
    public boolean isConstant() {
        for (int mask = 1; mask < coefficients.length; mask++) {
            if (coefficients[mask] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The formula through the values at the corners of a grid: {@code corner[mask]} is the value
     * with dim i at {@code high[i]} where bit i of mask is set, else at {@code low[i]}. Null when
     * the values are not those of a multilinear polynomial with integer coefficients.
     */
    public static SizeFormula fit(List<String> dims, int[] low, int[] high, long[] corner) {
        long[] c = corner.clone();
        for (int i = 0; i < dims.size(); i++) {
            int bit = 1 << i;
            long span = high[i] - low[i];
            for (int mask = 0; mask < c.length; mask++) {
                if ((mask & bit) != 0) {
                    continue;
                }
                long diff = c[mask | bit] - c[mask];
                if (diff % span != 0) {
                    return null;
                }
                long slope = diff / span;
                c[mask] = c[mask] - slope * low[i];
                c[mask | bit] = slope;
            }
        }
        return new SizeFormula(dims, c);
    }

    /** Parses {@link #toString}'s form for these dims. */
    public static SizeFormula parse(String text, List<String> dims) {
        long[] c = new long[1 << dims.size()];
        String s = text.replace("-", "+-");
        for (String term : s.split("\\+")) {
            if (term.isEmpty()) {
                continue;
            }
            String[] factors = term.split("\\*");
            long coef;
            int first;
            try {
                coef = Long.parseLong(factors[0]);
                first = 1;
            } catch (NumberFormatException e) {
                coef = factors[0].startsWith("-") ? -1 : 1;
                factors[0] = factors[0].startsWith("-") ? factors[0].substring(1) : factors[0];
                first = 0;
            }
            int mask = 0;
            for (int k = first; k < factors.length; k++) {
                int i = dims.indexOf(factors[k]);
                if (i < 0 || (mask & 1 << i) != 0) {
                    throw new IllegalArgumentException("size formula '" + text + "': '" + factors[k] + "' is not one of the dims " + dims);
                }
                mask |= 1 << i;
            }
            c[mask] += coef;
        }
        return new SizeFormula(dims, c);
    }

    /** Terms by degree, e.g. {@code 12-8*B+4*B*T}; {@code 0} when all coefficients are. */
    @Override
    public String toString() {
        List<String> terms = new ArrayList<>();
        for (int degree = 0; degree <= dims.size(); degree++) {
            for (int mask = 0; mask < coefficients.length; mask++) {
                if (Integer.bitCount(mask) != degree || coefficients[mask] == 0) {
                    continue;
                }
                StringBuilder t = new StringBuilder();
                long c = coefficients[mask];
                if (mask == 0 || Math.abs(c) != 1) {
                    t.append(c);
                } else if (c < 0) {
                    t.append('-');
                }
                for (int i = 0; i < dims.size(); i++) {
                    if ((mask & 1 << i) != 0) {
                        if (t.length() > 0 && t.charAt(t.length() - 1) != '-') {
                            t.append('*');
                        }
                        t.append(dims.get(i));
                    }
                }
                terms.add(t.toString());
            }
        }
        if (terms.isEmpty()) {
            return "0";
        }
        StringBuilder sb = new StringBuilder(terms.get(0));
        for (int i = 1; i < terms.size(); i++) {
            sb.append(terms.get(i).startsWith("-") ? "" : "+").append(terms.get(i));
        }
        return sb.toString();
    }

    /** The dims' values in this formula's order, from a map by name. */
    int[] values(Map<String, Integer> sizes) {
        int[] v = new int[dims.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = sizes.get(dims.get(i));
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SizeFormula f && f.dims.equals(dims) && java.util.Arrays.equals(f.coefficients, coefficients);
    }

    @Override
    public int hashCode() {
        return dims.hashCode() * 31 + java.util.Arrays.hashCode(coefficients);
    }
}
