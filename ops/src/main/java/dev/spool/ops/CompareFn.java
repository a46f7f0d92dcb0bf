package dev.spool.ops;

/** Pointwise comparisons producing BOOL. */
public enum CompareFn {
    LT, LE, GT, GE, EQ, NE;

    public boolean apply(double a, double b) {
        return switch (this) {
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
            case EQ -> a == b;
            case NE -> a != b;
        };
    }
}
