package dev.spool.cli;

/**
 * Flags whose values belong to a later milestone (the CUDA backend): accepted by the parser so
 * scripts can be written now, refused with a clear message until then.
 */
final class PendingFeatures {
    private PendingFeatures() {
    }

    static void checkBackend(String backend) {
        if (!backend.equals("cpu")) {
            throw new ErrorReporter.UserError(backend.equals("cuda")
                    ? "--backend cuda is not yet supported (it arrives with the CUDA backend); use --backend cpu"
                    : "--backend must be cpu or cuda, got '" + backend + "'");
        }
    }
}
