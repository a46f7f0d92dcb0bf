package dev.spool.runtime.internal.cpu;

/**
 * Whether this JVM runs with {@code --add-modules jdk.incubator.vector}, and how wide its float
 * vectors are. Without the module the kernels are plain scalar loops: correct, but the
 * transcendental-heavy ones (tanh, sigmoid) run tens of times slower, so Spool says so once.
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
        return PreferredLanes.floats();
    }

    /** Kept apart so the Vector API classes are loaded only when the module is present. */
    private static final class PreferredLanes {
        static int floats() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        }
    }
}
