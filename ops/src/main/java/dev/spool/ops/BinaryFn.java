package dev.spool.ops;

/** Pointwise functions of two operands. */
public enum BinaryFn {
    ADD, SUB, MUL, DIV, MAX, MIN, POW;

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

    /** Integer semantics; DIV truncates toward zero like Java (and C). */
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
