package dev.spool.backend.cpu.reference;

/**
 * Scalar math that generated kernels and the reference kernels share: the scalar tails of vector
 * loops and the scalar-only kernels call these, so both backends round the same way.
 */
public final class KernelMath {
    private KernelMath() {
    }

    /**
     * tanh rounded to float: Math.tanh is not intrinsified and dominated the reference LSTM step.
     * Through exp (an intrinsic) it is accurate to double rounding for |x| >= 1e-4, and the cubic
     * Taylor term is exact to float precision below that.
     */
    public static float tanh(float x) {
        double d = x;
        if (Math.abs(d) < 1e-4) {
            return (float) (d - d * d * d / 3);
        }
        if (Math.abs(d) > 20) {
            return Math.signum(x);
        }
        return (float) (1 - 2 / (1 + Math.exp(2 * d)));
    }
}
