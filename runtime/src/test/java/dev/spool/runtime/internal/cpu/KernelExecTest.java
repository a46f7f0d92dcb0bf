package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Which kernels {@link KernelExec} splits between the cores: enough elements and enough work per
 * element (a cheap kernel costs less than the hand-over), and rows that are independent; and a
 * split kernel still writes every element once, with the calling thread's and the helper's rows
 * where a whole run would put them.
 */
class KernelExecTest {
    /** Rows × columns of floats, the first operand read at 0 and the second written after it. */
    private static int[] args(int rows, int cols) {
        // sizes, then per operand: byte offset and byte strides of the two axes
        return new int[] {rows, cols, 0, 4 * cols, 4, 4 * rows * cols, 4 * cols, 4};
    }

    /** out = in + 1, element by element, as a generated two-axis kernel would walk it. */
    private static final CpuKernel ADD_ONE = (m, a) -> {
        for (int i = 0; i < a[0]; i++) {
            for (int j = 0; j < a[1]; j++) {
                m.putFloat(a[5] + i * a[6] + j * a[7], m.getFloat(a[2] + i * a[3] + j * a[4]) + 1);
            }
        }
    };

    private static KernelExec exec(ByteBuffer m, int rows, int cols, boolean rowsIndependent, int operations) {
        return new KernelExec(m, ADD_ONE, "", args(rows, cols), new Exec.Address[0], new int[0], 2, rowsIndependent, operations);
    }

    @Test
    void cheapKernelsRunWholeAndCostlyOnesInHalves() {
        assumeTrue(SecondCore.ENABLED, "one core (or -Dspool.secondCore=false): nothing is split");
        ByteBuffer m = ByteBuffer.allocateDirect(2 * 4 * 32 * 256).order(ByteOrder.nativeOrder());
        assertFalse(exec(m, 32, 256, true, 1).splits(), "a one-op kernel of 8192 elements");
        assertFalse(exec(m, 32, 256, true, 3).splits(), "three ops");
        assertTrue(exec(m, 32, 256, true, 4).splits(), "four ops");
        assertTrue(exec(m, 32, 256, true, 8).splits(), "an LSTM gate kernel's eight");
        assertTrue(exec(m, 128, 256, true, 1).splits(), "one op over 32768 elements");
        assertFalse(exec(m, 16, 256, true, 50).splits(), "4096 elements, however costly");
        assertFalse(exec(m, 32, 256, false, 8).splits(), "rows that depend on each other");
    }

    @Test
    void aProvisionalKernelRunsBothHalvesOnTheCallingThread() {
        assumeTrue(SecondCore.ENABLED, "one core (or -Dspool.secondCore=false): nothing is split");
        java.util.Set<Thread> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CpuKernel recording = (mem, a) -> {
            ran.add(Thread.currentThread());
            ADD_ONE.run(mem, a);
        };
        TieredKernel standIn = new TieredKernel(recording);
        ByteBuffer m = ByteBuffer.allocateDirect(2 * 4 * 32 * 256).order(ByteOrder.nativeOrder());
        KernelExec e = new KernelExec(m, standIn, "", args(32, 256), new Exec.Address[0], new int[0], 2, true, 8);
        assertTrue(e.splits());
        for (int i = 0; i < 50; i++) {
            e.run(new int[0]);
        }
        assertEquals(java.util.Set.of(Thread.currentThread()), ran, "threads that ran a half");
        for (int i = 0; i < 32 * 256; i++) {
            assertEquals(1f, m.getFloat(4 * (32 * 256 + i)), "element " + i);
        }
    }

    @Test
    void aSplitKernelWritesWhatAWholeRunWrites() {
        int rows = 64;
        int cols = 256;
        ByteBuffer split = ByteBuffer.allocateDirect(2 * 4 * rows * cols).order(ByteOrder.nativeOrder());
        ByteBuffer whole = ByteBuffer.allocateDirect(2 * 4 * rows * cols).order(ByteOrder.nativeOrder());
        for (int i = 0; i < rows * cols; i++) {
            split.putFloat(4 * i, i * 0.5f);
            whole.putFloat(4 * i, i * 0.5f);
        }
        exec(split, rows, cols, true, 8).run(new int[0]);
        exec(whole, rows, cols, true, 1).run(new int[0]);
        float[] a = new float[2 * rows * cols];
        float[] b = new float[2 * rows * cols];
        split.asFloatBuffer().get(a);
        whole.asFloatBuffer().get(b);
        assertArrayEquals(b, a);
        for (int i = 0; i < rows * cols; i++) {
            assertTrue(a[rows * cols + i] == i * 0.5f + 1, "element " + i);
        }
    }
}
