package dev.spool.spark;

import java.nio.file.Path;

/** Loads a {@code .spool} artifact with the runtime (no compiler): {@code SpoolModel.load}. */
final class SpoolModelLoader {
    private SpoolModelLoader() {
    }

    static BatchModel load(Path artifact) {
        throw new UnsupportedOperationException("spool-runtime's SpoolModel has not landed yet; cannot load " + artifact);
    }
}
