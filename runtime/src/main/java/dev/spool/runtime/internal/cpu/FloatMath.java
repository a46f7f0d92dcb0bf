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
 * polynomial in fused multiply-adds, scaling by 2^n through the exponent bits), sigmoid within 3 ulp, tanh within 6 ulp
 * (a rational function x·P(x²)/Q(x²) of degree 4 over 4, fitted by {@code tools/fit_tanh.py}). exp
 * flushes results below 2^-126 to 0 and is +inf above ln(FLT_MAX); tanh and sigmoid saturate exactly.
 *
 * <p>Why tanh is rational: it is the activation of every RNN, GRU and LSTM step. Through e^{2x} it
 * took some 50 vector operations in a chain about 40 deep, and a fused RNN cell spent most of its time
 * there; the rational form is 15 operations (P and Q are two independent chains of four fused
 * multiply-adds, then one division). Fused multiply-adds are exact in every tier too ({@code
 * Math.fma} in the interpreter and C1, the same instruction under C2).
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
    /** Beyond ±this, float tanh is ±1 (from about 9.0109 on); the argument is clamped to it. */
    static final float TANH_CLAMP = 9.02f;
    /** tanh(x) = x·P(x²)/Q(x²) on |x| ≤ TANH_CLAMP: the coefficients of P and Q, constant term first ({@code tools/fit_tanh.py}). */
    static final float[] TANH_P = {1.0f, 0.13380512595176697f, 0.0034950035624206066f, 2.060078077192884e-05f, 1.3345997196267945e-08f};
    static final float[] TANH_Q = {1.0f, 0.46713829040527344f, 0.025874687358736992f, 0.0003284732811152935f, 7.772393928462407e-07f};

    private FloatMath() {
    }

    /** e^x rounded as described in the class comment. */
    public static float exp(float x) {
        float e = expInRange(x);
        return x > EXP_HI ? Float.POSITIVE_INFINITY : x < EXP_LO ? 0f : e;
    }

    /** tanh(x): x clamped to ±TANH_CLAMP, then x·P(x²)/Q(x²) by Horner's rule in fused multiply-adds, clamped to [−1, 1]. */
    public static float tanh(float x) {
        float c = Math.min(Math.max(x, -TANH_CLAMP), TANH_CLAMP);
        float z = c * c;
        int top = TANH_P.length - 1;
        float p = TANH_P[top];
        float q = TANH_Q[top];
        for (int i = top - 1; i >= 0; i--) {
            p = Math.fma(p, z, TANH_P[i]);
            q = Math.fma(q, z, TANH_Q[i]);
        }
        return Math.max(Math.min(c * p / q, 1f), -1f);
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
        float n = Math.min(Math.fma(c, LOG2E, ROUND) - ROUND, 127f);
        // n·LN2_HI is exact (LN2_HI has 9 significant bits), so only the second step rounds.
        float r = Math.fma(n, -LN2_LO, Math.fma(n, -LN2_HI, c));
        float p = EXP_POLY[0];
        for (int i = 1; i < EXP_POLY.length; i++) {
            p = Math.fma(p, r, EXP_POLY[i]);
        }
        float y = Math.fma(p, r * r, r) + 1f;
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
                line(sb, indent, y + "_c", op("MIN", op("MAX", x, "FM_TANH_NCLAMP"), "FM_TANH_CLAMP"));
                line(sb, indent, y + "_z", op("MUL", y + "_c", y + "_c"));
                int top = TANH_P.length - 1;
                String p = "FM_TANH_P" + top;
                String q = "FM_TANH_Q" + top;
                for (int i = top - 1; i >= 0; i--) {
                    line(sb, indent, y + "_p" + i, fma(p, y + "_z", "FM_TANH_P" + i));
                    line(sb, indent, y + "_q" + i, fma(q, y + "_z", "FM_TANH_Q" + i));
                    p = y + "_p" + i;
                    q = y + "_q" + i;
                }
                line(sb, indent, y, op("MAX", op("MIN", op("DIV", op("MUL", y + "_c", p), q), "ONE"), "FM_MINUS_ONE"));
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
     * what a kernel generator budgets per method: {@code vectorOperations("tanh")} is 15.
     */
    public static int vectorOperations(String fn) {
        return vectorStatements(fn, "y", "x", "").split("VT\\.cast\\(", -1).length - 1;
    }

    private static void expInRange(StringBuilder sb, String indent, String e, String x, String y) {
        line(sb, indent, y + "_c", op("MIN", op("MAX", x, "FM_EXP_LO"), "FM_EXP_HI"));
        line(sb, indent, y + "_n", op("MIN", op("SUB", fma(y + "_c", "FM_LOG2E", "FM_ROUND"), "FM_ROUND"), "FM_127"));
        line(sb, indent, y + "_r", fma(y + "_n", "FM_NEG_LN2_LO", fma(y + "_n", "FM_NEG_LN2_HI", y + "_c")));
        String p = "FM_EXP0";
        for (int i = 1; i < EXP_POLY.length; i++) {
            line(sb, indent, y + "_q" + i, fma(p, y + "_r", "FM_EXP" + i));
            p = y + "_q" + i;
        }
        line(sb, indent, y + "_y", op("ADD", fma(p, op("MUL", y + "_r", y + "_r"), y + "_r"), "ONE"));
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

    /** a·b + c rounded once, as {@code Math.fma}. */
    private static String fma(String a, String b, String c) {
        return exact(a + ".lanewise(VectorOperators.FMA, " + b + ", " + c + ")");
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
        constant(sb, indent, "FM_127", "127f");
        constant(sb, indent, "FM_LOG2E", LOG2E + "f");
        constant(sb, indent, "FM_ROUND", ROUND + "f");
        constant(sb, indent, "FM_NEG_LN2_HI", -LN2_HI + "f");
        constant(sb, indent, "FM_NEG_LN2_LO", -LN2_LO + "f");
        constant(sb, indent, "FM_EXP_LO", EXP_LO + "f");
        constant(sb, indent, "FM_EXP_HI", EXP_HI + "f");
        constant(sb, indent, "FM_MINUS_ONE", "-1f");
        constant(sb, indent, "FM_TANH_CLAMP", TANH_CLAMP + "f");
        constant(sb, indent, "FM_TANH_NCLAMP", -TANH_CLAMP + "f");
        for (int i = 0; i < EXP_POLY.length; i++) {
            constant(sb, indent, "FM_EXP" + i, EXP_POLY[i] + "f");
        }
        for (int i = 0; i < TANH_P.length; i++) {
            constant(sb, indent, "FM_TANH_P" + i, TANH_P[i] + "f");
            constant(sb, indent, "FM_TANH_Q" + i, TANH_Q[i] + "f");
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

