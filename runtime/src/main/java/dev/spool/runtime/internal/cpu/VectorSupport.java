package dev.spool.runtime.internal.cpu;

/**
 * Whether this JVM runs with {@code --add-modules jdk.incubator.vector}, and how wide its float
 * vectors are. Without the module, or on a JDK whose Vector API lacks the ByteBuffer loads and
 * stores the kernels are written with (JDK 19 and later), the kernels are plain scalar loops:
 * correct, but the transcendental-heavy ones (tanh, sigmoid) run several times slower, so Spool says
 * so once.
 */
public final class VectorSupport {
    private static final int FLOAT_LANES = probe();

    private VectorSupport() {
    }

    /** F32 lanes of the preferred vector species, or 0 when the Vector API is unavailable. */
    public static int floatLanes() {
        return FLOAT_LANES;
    }

    private static int probe() {
        if (Boolean.getBoolean("spool.scalar") || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            if (!Boolean.getBoolean("spool.scalar")) {
                System.err.println("spool: jdk.incubator.vector is not enabled, so kernels run scalar (slow);"
                        + " run java with --add-modules jdk.incubator.vector");
            }
            return 0;
        }
        if (!PreferredLanes.hasByteBufferAccess()) {
            System.err.println("spool: this JDK's Vector API has no ByteBuffer loads and stores (JDK 19 replaced them with"
                    + " MemorySegment), so kernels run scalar (slow); Spool's vector kernels need JDK 17 or 18");
            return 0;
        }
        return PreferredLanes.floats();
    }

    /** Kept apart so the Vector API classes are loaded only when the module is present. */
    private static final class PreferredLanes {
        static int floats() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        }

        /** Whether {@code FloatVector.fromByteBuffer}, which every generated vector kernel calls, exists here. */
        static boolean hasByteBufferAccess() {
            try {
                jdk.incubator.vector.FloatVector.class.getMethod("fromByteBuffer", jdk.incubator.vector.VectorSpecies.class,
                        java.nio.ByteBuffer.class, int.class, java.nio.ByteOrder.class);
                return true;
            } catch (NoSuchMethodException e) {
                return false;
            }
        }
    }
}
