package dev.spool.ops;

/**
 * Pointwise functions of two operands, for {@link Builder#binary}; each has its own method too
 * ({@code add}, {@code sub}, {@code mul}, {@code div}, {@code maximum}, {@code minimum}, {@code pow}).
 *
 * <pre>{@code Value y = b.binary(BinaryFn.POW, x, b.scalar(2, F32));   // same as b.pow(x, ...)}</pre>
 */
public enum BinaryFn {
    /** {@code a + b}: {@code b.add(x, y)}. */
    ADD,
    /** {@code a - b}: {@code b.sub(x, y)}. */
    SUB,
    /** {@code a * b}: {@code b.mul(x, y)}. */
    MUL,
    /** {@code a / b}, truncating for integers: {@code b.div(x, y)}. */
    DIV,
    /** The larger of the two: {@code b.maximum(x, y)}. */
    MAX,
    /** The smaller of the two: {@code b.minimum(x, y)}. */
    MIN,
    /** {@code a} to the power {@code b}: {@code b.pow(x, y)}. */
    POW;

    /** The reference semantics in double precision: {@code BinaryFn.POW.apply(2, 3) == 8.0}. */
    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> Math.pow(a, b);
        };
    }

    /** Integer semantics; DIV truncates toward zero like Java (and C): {@code BinaryFn.DIV.applyLong(-7, 2) == -3}. */
    public long applyLong(long a, long b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> {
                if (b == 0) {
                    throw new ArithmeticException("integer division by zero");
                }
                yield a / b;
            }
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> (long) Math.pow(a, b);
        };
    }
}
