import jdk.incubator.vector.*;

/**
 * The GRU r/z gate kernel's arithmetic as Spool generates it (two sigmoids of four-operand sums,
 * FloatMath's exp: the same operations), its operand layout (32 rows of 256 outputs per gate, the
 * gates' rows 768 floats apart, biases broadcast), a float[] form of it, and the timing loop. The
 * access-specific forms are in ByteBufferGate (JDK 17) and MemorySegmentGate (JDK 22+); run.sh
 * compiles each with this file on its JDK. 512-bit vectors: an AVX-512 machine.
 */
final class GateMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final VectorSpecies<Integer> IS = IntVector.SPECIES_512;
    static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    static final FloatVector EXP_LO = FloatVector.broadcast(S, -87.33654f), EXP_HI = FloatVector.broadcast(S, 88.72284f);
    static final FloatVector LOG2E = FloatVector.broadcast(S, 1.442695f), ROUND = FloatVector.broadcast(S, 1.2582912E7f), F127 = FloatVector.broadcast(S, 127f);
    static final FloatVector LN2HI = FloatVector.broadcast(S, -0.6933594f), LN2LO = FloatVector.broadcast(S, 2.1219444E-4f);
    static final FloatVector E0 = FloatVector.broadcast(S, 1.9875691E-4f), E1 = FloatVector.broadcast(S, 0.0013981999f), E2 = FloatVector.broadcast(S, 0.008333452f),
            E3 = FloatVector.broadcast(S, 0.041665796f), E4 = FloatVector.broadcast(S, 0.16666666f), E5 = FloatVector.broadcast(S, 0.5f);
    static final IntVector I127 = IntVector.broadcast(IS, 127), I2P23 = IntVector.broadcast(IS, 1 << 23);
    static final int B = 32, H = 256, G = 3 * H;
    /** Bytes of the operands: both gates' projections, both biases, both outputs. */
    static final int BYTES = 4 * (2 * B * G + 2 * G + 2 * B * H) + 4096;
    private static final int XG = 0, HG = 4 * B * G, BI = 2 * 4 * B * G, BH = BI + 4 * G, OUT1 = BH + 4 * G, OUT2 = OUT1 + 4 * B * H;
    /** Rows, columns, then per operand its byte offset, row stride and element stride (a generated kernel's argument array). */
    static final int[] ARGS = {B, H, XG, 4 * G, 4, BI, 0, 4, HG, 4 * G, 4, BH, 0, 4,
        XG + 4 * H, 4 * G, 4, BI + 4 * H, 0, 4, HG + 4 * H, 4 * G, 4, BH + 4 * H, 0, 4, OUT1, 4 * H, 4, OUT2, 4 * H, 4};

    private GateMath() {
    }

    static float initial(int floatIndex) {
        return (floatIndex % 97) * 0.05f - 2;
    }

    static FloatVector sigmoid(FloatVector x) {
        FloatVector c = x.lanewise(VectorOperators.NEG).lanewise(VectorOperators.MAX, EXP_LO).lanewise(VectorOperators.MIN, EXP_HI);
        FloatVector n = c.lanewise(VectorOperators.FMA, LOG2E, ROUND).lanewise(VectorOperators.SUB, ROUND).lanewise(VectorOperators.MIN, F127);
        FloatVector r = n.lanewise(VectorOperators.FMA, LN2LO, n.lanewise(VectorOperators.FMA, LN2HI, c));
        FloatVector q = E0.lanewise(VectorOperators.FMA, r, E1).lanewise(VectorOperators.FMA, r, E2).lanewise(VectorOperators.FMA, r, E3)
                .lanewise(VectorOperators.FMA, r, E4).lanewise(VectorOperators.FMA, r, E5);
        FloatVector y = q.lanewise(VectorOperators.FMA, r.lanewise(VectorOperators.MUL, r), r).lanewise(VectorOperators.ADD, ONE);
        IntVector bits = n.lanewise(VectorOperators.ADD, ROUND).reinterpretAsInts().lanewise(VectorOperators.ADD, I127).lanewise(VectorOperators.MUL, I2P23);
        FloatVector e = y.lanewise(VectorOperators.MUL, bits.reinterpretAsFloats());
        return ONE.lanewise(VectorOperators.DIV, e.lanewise(VectorOperators.ADD, ONE));
    }

    /** The kernel on a float[] (byte offsets divided by 4): the yardstick both JDKs share. */
    static void onArray(float[] m, int[] a) {
        for (int i = 0; i < a[0]; i++) {
            int r0 = (a[2] + i * a[3]) / 4, r1 = (a[5] + i * a[6]) / 4, r2 = (a[8] + i * a[9]) / 4, r3 = (a[11] + i * a[12]) / 4;
            int r4 = (a[14] + i * a[15]) / 4, r5 = (a[17] + i * a[18]) / 4, r6 = (a[20] + i * a[21]) / 4, r7 = (a[23] + i * a[24]) / 4;
            int r8 = (a[26] + i * a[27]) / 4, r9 = (a[29] + i * a[30]) / 4;
            for (int j = 0; j < a[1]; j += 16) {
                FloatVector g1 = FloatVector.fromArray(S, m, r0 + j).add(FloatVector.fromArray(S, m, r1 + j)).add(FloatVector.fromArray(S, m, r2 + j).add(FloatVector.fromArray(S, m, r3 + j)));
                FloatVector g2 = FloatVector.fromArray(S, m, r4 + j).add(FloatVector.fromArray(S, m, r5 + j)).add(FloatVector.fromArray(S, m, r6 + j).add(FloatVector.fromArray(S, m, r7 + j)));
                sigmoid(g1).intoArray(m, r8 + j);
                sigmoid(g2).intoArray(m, r9 + j);
            }
        }
    }

    /** Best of 3000 calls of each form, alternating, for ten rounds; prints the last three. */
    static void time(String access, Runnable kernel) {
        float[] f = new float[BYTES / 4];
        for (int i = 0; i < f.length; i++) {
            f[i] = initial(i);
        }
        double vectors = 2.0 * B * H / 16;
        for (int round = 0; round < 10; round++) {
            long best = Long.MAX_VALUE, bestArray = Long.MAX_VALUE;
            for (int rep = 0; rep < 3000; rep++) {
                long t0 = System.nanoTime();
                kernel.run();
                long t1 = System.nanoTime();
                onArray(f, ARGS);
                long t2 = System.nanoTime();
                best = Math.min(best, t1 - t0);
                bestArray = Math.min(bestArray, t2 - t1);
            }
            if (round >= 7) {
                System.out.printf("%s: %s %.1f us (%.1f ns/sigmoid vector), float[] %.1f us (%.1f)%n", System.getProperty("java.version"), access,
                        best / 1e3, best / vectors, bestArray / 1e3, bestArray / vectors);
            }
        }
    }
}
