package dev.spool.cli;

/**
 * Flags whose values belong to later milestones (the optimising compiler, the CUDA backend):
 * accepted by the parser so scripts can be written now, refused with a clear message until then.
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

    /** {@code auto} is accepted where the command offers it and means scan for now. */
    static void checkMode(String mode, boolean autoAllowed) {
        if (mode.equals("unroll")) {
            throw new ErrorReporter.UserError("--mode unroll is not yet supported (it arrives with the optimising compiler); use --mode scan");
        }
        if (!mode.equals("scan") && !(autoAllowed && mode.equals("auto"))) {
            throw new ErrorReporter.UserError("--mode must be scan" + (autoAllowed ? ", unroll or auto" : " or unroll") + ", got '" + mode + "'");
        }
    }
}
