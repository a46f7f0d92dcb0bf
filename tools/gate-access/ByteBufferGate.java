import jdk.incubator.vector.*;

import java.nio.*;
/** The same kernel as MemorySegmentGate, through a direct ByteBuffer as the generated kernels do on JDK 17, and through a float[]. Run by tools/gate-access/run.sh. */
public class ByteBufferGate {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final VectorSpecies<Integer> IS = IntVector.SPECIES_512;
    static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    static final FloatVector EXP_LO = FloatVector.broadcast(S, -87.33654f), EXP_HI = FloatVector.broadcast(S, 88.72284f);
    static final FloatVector LOG2E = FloatVector.broadcast(S, 1.442695f), ROUND = FloatVector.broadcast(S, 1.2582912E7f), F127 = FloatVector.broadcast(S, 127f);
    static final FloatVector LN2HI = FloatVector.broadcast(S, -0.6933594f), LN2LO = FloatVector.broadcast(S, 2.1219444E-4f);
    static final FloatVector E0 = FloatVector.broadcast(S, 1.9875691E-4f), E1 = FloatVector.broadcast(S, 0.0013981999f), E2 = FloatVector.broadcast(S, 0.008333452f), E3 = FloatVector.broadcast(S, 0.041665796f), E4 = FloatVector.broadcast(S, 0.16666666f), E5 = FloatVector.broadcast(S, 0.5f);
    static final IntVector I127 = IntVector.broadcast(IS, 127), I2P23 = IntVector.broadcast(IS, 1 << 23);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static FloatVector sig(FloatVector x) {
        FloatVector c = x.lanewise(VectorOperators.NEG).lanewise(VectorOperators.MAX, EXP_LO).lanewise(VectorOperators.MIN, EXP_HI);
        FloatVector n = c.lanewise(VectorOperators.FMA, LOG2E, ROUND).lanewise(VectorOperators.SUB, ROUND).lanewise(VectorOperators.MIN, F127);
        FloatVector r = n.lanewise(VectorOperators.FMA, LN2LO, n.lanewise(VectorOperators.FMA, LN2HI, c));
        FloatVector q = E0.lanewise(VectorOperators.FMA, r, E1).lanewise(VectorOperators.FMA, r, E2).lanewise(VectorOperators.FMA, r, E3).lanewise(VectorOperators.FMA, r, E4).lanewise(VectorOperators.FMA, r, E5);
        FloatVector y = q.lanewise(VectorOperators.FMA, r.lanewise(VectorOperators.MUL, r), r).lanewise(VectorOperators.ADD, ONE);
        IntVector bits = n.lanewise(VectorOperators.ADD, ROUND).reinterpretAsInts().lanewise(VectorOperators.ADD, I127).lanewise(VectorOperators.MUL, I2P23);
        FloatVector e = y.lanewise(VectorOperators.MUL, bits.reinterpretAsFloats());
        return ONE.lanewise(VectorOperators.DIV, e.lanewise(VectorOperators.ADD, ONE));
    }
    static FloatVector ld(ByteBuffer m, long at) { return FloatVector.fromByteBuffer(S, m, (int) at, LE); }
    static void seg(ByteBuffer m, int[] a) {
        for (int i = 0; i < a[0]; i++) {
            long r0 = a[2] + i * a[3], r1 = a[5] + i * a[6], r2 = a[8] + i * a[9], r3 = a[11] + i * a[12];
            long r4 = a[14] + i * a[15], r5 = a[17] + i * a[18], r6 = a[20] + i * a[21], r7 = a[23] + i * a[24];
            long r8 = a[26] + i * a[27], r9 = a[29] + i * a[30];
            for (int j = 0; j < a[1]; j += 16) {
                long o = j << 2;
                FloatVector g1 = ld(m, r0 + o).add(ld(m, r1 + o)).add(ld(m, r2 + o).add(ld(m, r3 + o)));
                FloatVector g2 = ld(m, r4 + o).add(ld(m, r5 + o)).add(ld(m, r6 + o).add(ld(m, r7 + o)));
                sig(g1).intoByteBuffer(m, (int) (r8 + o), LE);
                sig(g2).intoByteBuffer(m, (int) (r9 + o), LE);
            }
        }
    }
    static void arr(float[] m, int[] a) {
        for (int i = 0; i < a[0]; i++) {
            int r0 = (a[2] + i * a[3]) / 4, r1 = (a[5] + i * a[6]) / 4, r2 = (a[8] + i * a[9]) / 4, r3 = (a[11] + i * a[12]) / 4;
            int r4 = (a[14] + i * a[15]) / 4, r5 = (a[17] + i * a[18]) / 4, r6 = (a[20] + i * a[21]) / 4, r7 = (a[23] + i * a[24]) / 4;
            int r8 = (a[26] + i * a[27]) / 4, r9 = (a[29] + i * a[30]) / 4;
            for (int j = 0; j < a[1]; j += 16) {
                FloatVector g1 = FloatVector.fromArray(S, m, r0 + j).add(FloatVector.fromArray(S, m, r1 + j)).add(FloatVector.fromArray(S, m, r2 + j).add(FloatVector.fromArray(S, m, r3 + j)));
                FloatVector g2 = FloatVector.fromArray(S, m, r4 + j).add(FloatVector.fromArray(S, m, r5 + j)).add(FloatVector.fromArray(S, m, r6 + j).add(FloatVector.fromArray(S, m, r7 + j)));
                sig(g1).intoArray(m, r8 + j);
                sig(g2).intoArray(m, r9 + j);
            }
        }
    }
    public static void main(String[] x) {
        int B = 32, H = 256, G = 3 * H;
        long bytes = 4L * (2 * B * G + 2 * G + 2 * B * H) + 4096;
        ByteBuffer m = ByteBuffer.allocateDirect((int) bytes).order(LE);
        float[] f = new float[(int) bytes / 4];
        for (long i = 0; i + 4 <= bytes; i += 4) { m.putFloat((int) i, ((i / 4) % 97) * 0.05f - 2); f[(int) (i / 4)] = ((i / 4) % 97) * 0.05f - 2; }
        int xg = 0, hg = 4 * B * G, bi = 2 * 4 * B * G, bh = bi + 4 * G, out1 = bh + 4 * G, out2 = out1 + 4 * B * H;
        int[] a = {B, H, xg, 4 * G, 4, bi, 0, 4, hg, 4 * G, 4, bh, 0, 4,
            xg + 4 * H, 4 * G, 4, bi + 4 * H, 0, 4, hg + 4 * H, 4 * G, 4, bh + 4 * H, 0, 4, out1, 4 * H, 4, out2, 4 * H, 4};
        double vecs = 2.0 * B * H / 16;
        for (int round = 0; round < 10; round++) {
            long bs = Long.MAX_VALUE, ba = Long.MAX_VALUE;
            for (int rep = 0; rep < 3000; rep++) {
                long t0 = System.nanoTime(); seg(m, a); long t1 = System.nanoTime(); arr(f, a); long t2 = System.nanoTime();
                bs = Math.min(bs, t1 - t0); ba = Math.min(ba, t2 - t1);
            }
            if (round >= 7) System.out.printf("%s: ByteBuffer %.1f us (%.1f ns/sigmoid vector), float[] %.1f us (%.1f)%n", System.getProperty("java.version"), bs / 1e3, bs / vecs, ba / 1e3, ba / vecs);
        }
    }
}
