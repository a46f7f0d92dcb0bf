import jdk.incubator.vector.*;
import java.nio.*;

/** The gate kernel through a direct ByteBuffer, as Spool's generated kernels load and store on JDK 17 (see GateMath). */
public class ByteBufferGate {
    static FloatVector load(ByteBuffer m, int at) {
        return FloatVector.fromByteBuffer(GateMath.S, m, at, ByteOrder.LITTLE_ENDIAN);
    }

    static void kernel(ByteBuffer m, int[] a) {
        for (int i = 0; i < a[0]; i++) {
            int r0 = a[2] + i * a[3], r1 = a[5] + i * a[6], r2 = a[8] + i * a[9], r3 = a[11] + i * a[12];
            int r4 = a[14] + i * a[15], r5 = a[17] + i * a[18], r6 = a[20] + i * a[21], r7 = a[23] + i * a[24];
            int r8 = a[26] + i * a[27], r9 = a[29] + i * a[30];
            for (int j = 0; j < a[1]; j += 16) {
                int o = j << 2;
                FloatVector g1 = load(m, r0 + o).add(load(m, r1 + o)).add(load(m, r2 + o).add(load(m, r3 + o)));
                FloatVector g2 = load(m, r4 + o).add(load(m, r5 + o)).add(load(m, r6 + o).add(load(m, r7 + o)));
                GateMath.sigmoid(g1).intoByteBuffer(m, r8 + o, ByteOrder.LITTLE_ENDIAN);
                GateMath.sigmoid(g2).intoByteBuffer(m, r9 + o, ByteOrder.LITTLE_ENDIAN);
            }
        }
    }

    public static void main(String[] x) {
        ByteBuffer m = ByteBuffer.allocateDirect(GateMath.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= GateMath.BYTES; i += 4) {
            m.putFloat(i, GateMath.initial(i / 4));
        }
        GateMath.time("ByteBuffer", () -> kernel(m, GateMath.ARGS));
    }
}
