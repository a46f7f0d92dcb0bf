package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LinearCrossEntropyExec} on its own: the same bits whether its second half ran on the
 * helper or, the helper taken, on the calling thread; and no rows give a NaN loss and zero
 * gradients of w and b. (Its values against the unfused instructions and float64 are
 * {@code LinearCrossEntropyNumericTest}'s.)
 */
class LinearCrossEntropyExecTest {
    private static final int F = 32;
    private static final int C = 28;

    /** An arena with h, w, bias, targets, scale and room for loss, dh, dw, db; offsets in bytes. */
    private record Arena(ByteBuffer m, int[] at, int rows) {
        static Arena of(int rows, long seed) {
            int[] sizes = {4 * rows * F, 4 * C * F, 4 * C, 8 * rows, 64, 64, 4 * rows * F, 4 * C * F, 4 * C};
            int[] at = new int[sizes.length];
            int end = 0;
            for (int i = 0; i < sizes.length; i++) {
                at[i] = end;
                end += (sizes[i] + 63) & ~63;
            }
            ByteBuffer m = ByteBuffer.allocateDirect(end).order(ByteOrder.nativeOrder());
            Random r = new Random(seed);
            for (int i = 0; i < rows * F; i++) {
                m.putFloat(at[0] + 4 * i, (float) r.nextGaussian());
            }
            for (int i = 0; i < C * F; i++) {
                m.putFloat(at[1] + 4 * i, (float) (r.nextGaussian() / Math.sqrt(F)));
            }
            for (int i = 0; i < C; i++) {
                m.putFloat(at[2] + 4 * i, (float) r.nextGaussian());
            }
            for (int i = 0; i < rows; i++) {
                m.putLong(at[3] + 8 * i, r.nextInt(C));
            }
            m.putFloat(at[4], 1f / Math.max(1, rows));
            return new Arena(m, at, rows);
        }

        LinearCrossEntropyExec exec() {
            Exec.Address[] a = new Exec.Address[at.length];
            for (int i = 0; i < at.length; i++) {
                a[i] = new Exec.Address(at[i], new int[0]);
            }
            return new LinearCrossEntropyExec(m, a[0], F, a[1], F, a[2], a[3], DType.I64, a[4], a[5], a[6], F, a[7], F, a[8], rows, C, F);
        }

        /** loss, dh, dw and db as raw bits. */
        int[] results() {
            int[] out = new int[1 + rows * F + C * F + C];
            out[0] = Float.floatToRawIntBits(m.getFloat(at[5]));
            int o = 1;
            for (int i = 0; i < rows * F; i++) {
                out[o++] = Float.floatToRawIntBits(m.getFloat(at[6] + 4 * i));
            }
            for (int i = 0; i < C * F; i++) {
                out[o++] = Float.floatToRawIntBits(m.getFloat(at[7] + 4 * i));
            }
            for (int i = 0; i < C; i++) {
                out[o++] = Float.floatToRawIntBits(m.getFloat(at[8] + 4 * i));
            }
            return out;
        }
    }

    @Test
    void theBitsDoNotDependOnWhetherTheHelperTookTheSecondHalf() {
        Arena a = Arena.of(2500, 3);
        LinearCrossEntropyExec e = a.exec();
        e.run(new int[0]);
        int[] helped = a.results();
        SecondCore.run(() -> e.run(new int[0]), () -> { });
        int[] alone = a.results();
        assertEquals(helped.length, alone.length);
        for (int i = 0; i < helped.length; i++) {
            assertEquals(helped[i], alone[i], "result element " + i);
        }
        float loss = Float.intBitsToFloat(helped[0]);
        assertTrue(loss > 0 && loss < 10, "a cross-entropy of 28 classes: " + loss);
    }

    @Test
    void noRowsGiveANanLossAndZeroGradients() {
        Arena a = Arena.of(0, 4);
        for (int i = 0; i < C * F; i++) {
            a.m().putFloat(a.at()[7] + 4 * i, 7f);
        }
        a.exec().run(new int[0]);
        assertTrue(Float.isNaN(a.m().getFloat(a.at()[5])));
        for (int i = 0; i < C * F; i++) {
            assertEquals(0f, a.m().getFloat(a.at()[7] + 4 * i), "dw " + i);
        }
        for (int i = 0; i < C; i++) {
            assertEquals(0f, a.m().getFloat(a.at()[8] + 4 * i), "db " + i);
        }
    }
}
