package dev.spool.runtime.internal.cpu;

/**
 * Spool's own float exp, tanh and sigmoid for the generated kernels, written only with IEEE
 * additions, multiplications, divisions, min/max and integer bit operations, so they round the
 * same way in the interpreter, C1 and C2 and in every vector width. The Vector API's
 * {@code lanewise(EXP)} / {@code TANH} are not like that: C2 calls Intel SVML, the interpreter and
 * C1 compute {@code (float) Math.exp(x)} per lane, and the two differ in the last bit, so a result
 * depended on when the JIT compiled a kernel (a T=20000 LSTM gave a different output every run).
 *
 * <p>Each function is defined once here as scalar Java ({@link #exp}, {@link #tanh}, {@link
 * #sigmoid}, used by scalar kernels and the scalar tails of vector loops) and emitted as the same
 * sequence of vector operations for generated kernels ({@link #vectorStatements}); {@code
 * VectorRows.expInPlace} is the same sequence in Java. {@code FloatMathTest} checks that all of them give
 * identical bits. Accuracy (measured against double precision): exp within 1 ulp up to e^88.37
 * and 6 ulp from there to overflow (Cephes' expf: Cody–Waite reduction by ln 2, a degree-5
 * polynomial, scaling by 2^n through the exponent bits), tanh (Cephes' odd
 * polynomial below |x| = 0.625, 1 − 2/(e^{2x} + 1) above) and sigmoid within 3 ulp. exp flushes
 * results below 2^-126 to 0 and is +inf above ln(FLT_MAX); tanh and sigmoid saturate exactly.
 *
 * <pre>{@code float y = FloatMath.tanh(0.5f); // 0.46211717f}</pre>
 */
public final class FloatMath {
    static final float LOG2E = 1.44269504088896341f;
    /** 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer, kept in the low mantissa bits. */
    static final float ROUND = 12582912f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    /** ln(2^-126): below, exp is flushed to 0. */
    static final float EXP_LO = -87.33654f;
    /** ln(FLT_MAX): above, exp is +inf. */
    static final float EXP_HI = 88.72284f;
    static final float[] EXP_POLY = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
    /** Below this |x| tanh uses its odd polynomial (no cancellation in 1 − 2/(e^{2x} + 1)). */
    static final float TANH_SMALL = 0.625f;
    static final float[] TANH_POLY = {-5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f, 1.33314422036e-1f, -3.33332819422e-1f};

    private FloatMath() {
    }

    /** e^x rounded as described in the class comment. */
    public static float exp(float x) {
        float e = expInRange(x);
        return x > EXP_HI ? Float.POSITIVE_INFINITY : x < EXP_LO ? 0f : e;
    }

    /** tanh(x). */
    public static float tanh(float x) {
        float z = x * x;
        float p = TANH_POLY[0];
        for (int i = 1; i < TANH_POLY.length; i++) {
            p = p * z + TANH_POLY[i];
        }
        float small = p * z * x + x;
        float large = 1f - 2f / (expInRange(x + x) + 1f);
        return Math.abs(x) < TANH_SMALL ? small : large;
    }

    /** 1 / (1 + e^-x). */
    public static float sigmoid(float x) {
        return 1f / (expInRange(-x) + 1f);
    }

    /**
     * e^x for x clamped to [EXP_LO, EXP_HI] (NaN stays NaN): x = n·ln2 + r with |r| ≤ ln2/2 (n ≤ 127, so
     * r reaches ln 2 only at the very top of the range), e^r by the polynomial, 2^n put into the
     * exponent bits of the rounding constant's sum.
     */
    static float expInRange(float x) {
        float c = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float n = Math.min(c * LOG2E + ROUND - ROUND, 127f);
        float r = c - n * LN2_HI - n * LN2_LO;
        float p = EXP_POLY[0];
        for (int i = 1; i < EXP_POLY.length; i++) {
            p = p * r + EXP_POLY[i];
        }
        float y = p * (r * r) + r + 1f;
        // n + ROUND holds n + 2^22 in its low mantissa bits; the shift keeps the low 9 bits of n + 127.
        float scale = Float.intBitsToFloat((Float.floatToRawIntBits(n + ROUND) + 127) << 23);
        return y * scale;
    }

    /**
     * Java statements for generated vector kernels that set {@code final FloatVector y} to fn(x) for
     * fn one of exp, tanh, sigmoid, by the operations of the scalar definitions above, in their
     * order. Temporaries are named {@code y_...}. The kernel class must define the vector constants
     * of {@link #vectorConstants} (and {@code S}, its species, {@code VT}, its vector class, and
     * {@code ONE}). Every vector-valued call is wrapped in {@code VT.cast} (or {@code IVT.cast}), see
     * {@link #exact}.
     */
    public static String vectorStatements(String fn, String y, String x, String indent) {
        StringBuilder sb = new StringBuilder();
        switch (fn) {
            case "exp" -> {
                expInRange(sb, indent, y + "_e", x, y);
                line(sb, indent, y, blend(blend(y + "_e", "FM_INF", compare("GT", x, "FM_EXP_HI")), "FM_ZERO", compare("LT", x, "FM_EXP_LO")));
            }
            case "tanh" -> {
                line(sb, indent, y + "_z", op("MUL", x, x));
                String p = "FM_TANH0";
                for (int i = 1; i < TANH_POLY.length; i++) {
                    line(sb, indent, y + "_p" + i, op("ADD", op("MUL", p, y + "_z"), "FM_TANH" + i));
                    p = y + "_p" + i;
                }
                line(sb, indent, y + "_s", op("ADD", op("MUL", op("MUL", p, y + "_z"), x), x));
                expInRange(sb, indent, y + "_e", op("ADD", x, x), y);
                line(sb, indent, y + "_l", op("SUB", "ONE", op("DIV", "FM_TWO", op("ADD", y + "_e", "ONE"))));
                line(sb, indent, y, blend(y + "_l", y + "_s", compare("LT", exact(x + ".lanewise(VectorOperators.ABS)"), "FM_TANH_SMALL")));
            }
            case "sigmoid" -> {
                expInRange(sb, indent, y + "_e", exact(x + ".lanewise(VectorOperators.NEG)"), y);
                line(sb, indent, y, op("DIV", "ONE", op("ADD", y + "_e", "ONE")));
            }
            default -> throw new IllegalArgumentException("no vector " + fn);
        }
        return sb.toString();
    }

    /**
     * Vector operations (Vector API calls with a vector result) in {@link #vectorStatements} of fn,
     * what a kernel generator budgets per method: {@code vectorOperations("tanh")} is about 50.
     */
    public static int vectorOperations(String fn) {
        return vectorStatements(fn, "y", "x", "").split("VT\\.cast\\(", -1).length - 1;
    }

    private static void expInRange(StringBuilder sb, String indent, String e, String x, String y) {
        line(sb, indent, y + "_c", op("MIN", op("MAX", x, "FM_EXP_LO"), "FM_EXP_HI"));
        line(sb, indent, y + "_n", op("MIN", op("SUB", op("ADD", op("MUL", y + "_c", "FM_LOG2E"), "FM_ROUND"), "FM_ROUND"), "FM_127"));
        line(sb, indent, y + "_r", op("SUB", op("SUB", y + "_c", op("MUL", y + "_n", "FM_LN2_HI")), op("MUL", y + "_n", "FM_LN2_LO")));
        String p = "FM_EXP0";
        for (int i = 1; i < EXP_POLY.length; i++) {
            line(sb, indent, y + "_q" + i, op("ADD", op("MUL", p, y + "_r"), "FM_EXP" + i));
            p = y + "_q" + i;
        }
        line(sb, indent, y + "_y", op("ADD", op("ADD", op("MUL", p, op("MUL", y + "_r", y + "_r")), y + "_r"), "ONE"));
        // Reinterpreted with constant species arguments (reinterpretAsInts() / reinterpretAsFloats() derive the species,
        // and C2 then fails to intrinsify in large kernels: the vectors are boxed); << 23 as a multiplication by 2^23.
        String bits = exactInt(op("ADD", y + "_n", "FM_ROUND") + ".convertShape(VectorOperators.REINTERPRET_F2I, FM_IS, 0)");
        String scaled = exactInt(exactInt(bits + ".lanewise(VectorOperators.ADD, FM_I127)") + ".lanewise(VectorOperators.MUL, FM_I2P23)");
        line(sb, indent, y + "_2n", exact(scaled + ".convertShape(VectorOperators.REINTERPRET_I2F, S, 0)"));
        line(sb, indent, e, op("MUL", y + "_y", y + "_2n"));
    }

    /**
     * A vector-valued call cast to the kernel's exact vector class ({@code VT}, a constant): what keeps
     * large kernels unboxed under C2. Past its inlining budget (about 18,000 parse nodes, some 45
     * vector operations) C2 inlines the Vector API's {@code @ForceInline} methods only late, so while
     * parsing, a call's result has the declared type {@code FloatVector}, not {@code Float256Vector};
     * the next call on it is then a true virtual call (the C1 profile has no receiver type, since C1
     * knew it), the vector is boxed, and the JDK's shared store and blend code stays generic. {@code
     * Class.cast} is a C2 intrinsic expanded while parsing whatever the budget, and restores the exact
     * type; in the interpreter and C1 it is a type check.
     */
    static String exact(String call) {
        return "((FloatVector) VT.cast(" + call + "))";
    }

    private static String exactInt(String call) {
        return "((IntVector) IVT.cast(" + call + "))";
    }

    private static String op(String op, String a, String b) {
        return exact(a + ".lanewise(VectorOperators." + op + ", " + b + ")");
    }

    private static String blend(String a, String b, String mask) {
        return exact(a + ".blend(" + b + ", " + mask + ")");
    }

    private static String compare(String op, String a, String b) {
        return a + ".compare(VectorOperators." + op + ", " + b + ")";
    }

    private static void line(StringBuilder sb, String indent, String name, String expr) {
        sb.append(indent).append("final FloatVector ").append(name).append(" = ").append(expr).append(";\n");
    }

    /**
     * Static final fields the vector statements use, for a kernel whose float species is {@code S}
     * and {@code intSpecies} the int species of the same width (e.g. {@code IntVector.SPECIES_256}).
     */
    public static String vectorConstants(String indent, String intSpecies) {
        StringBuilder sb = new StringBuilder();
        constant(sb, indent, "FM_INF", "Float.POSITIVE_INFINITY");
        constant(sb, indent, "FM_ZERO", "0f");
        constant(sb, indent, "FM_TWO", "2f");
        constant(sb, indent, "FM_127", "127f");
        constant(sb, indent, "FM_LOG2E", LOG2E + "f");
        constant(sb, indent, "FM_ROUND", ROUND + "f");
        constant(sb, indent, "FM_LN2_HI", LN2_HI + "f");
        constant(sb, indent, "FM_LN2_LO", LN2_LO + "f");
        constant(sb, indent, "FM_EXP_LO", EXP_LO + "f");
        constant(sb, indent, "FM_EXP_HI", EXP_HI + "f");
        constant(sb, indent, "FM_TANH_SMALL", TANH_SMALL + "f");
        for (int i = 0; i < EXP_POLY.length; i++) {
            constant(sb, indent, "FM_EXP" + i, EXP_POLY[i] + "f");
        }
        for (int i = 0; i < TANH_POLY.length; i++) {
            constant(sb, indent, "FM_TANH" + i, TANH_POLY[i] + "f");
        }
        sb.append(indent).append("private static final VectorSpecies FM_IS = ").append(intSpecies).append(";\n");
        sb.append(indent).append("private static final Class IVT = FM_IS.vectorType();\n");
        sb.append(indent).append("private static final IntVector FM_I127 = IntVector.broadcast(").append(intSpecies).append(", 127);\n");
        sb.append(indent).append("private static final IntVector FM_I2P23 = IntVector.broadcast(").append(intSpecies).append(", 1 << 23);\n");
        return sb.toString();
    }

    private static void constant(StringBuilder sb, String indent, String name, String value) {
        sb.append(indent).append("private static final FloatVector ").append(name).append(" = FloatVector.broadcast(S, ").append(value).append(");\n");
    }
}

