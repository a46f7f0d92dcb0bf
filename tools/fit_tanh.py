#!/usr/bin/env python3
"""Derive FloatMath's rational tanh: tanh(x) ~ x * P(x^2) / Q(x^2), P and Q of degree 4, Q(0) = 1,
on |x| <= CLAMP (beyond, tanh rounds to +-1 in float), and measure what the float evaluation
(Horner with fused multiply-adds, then one multiplication and one division, then clamped to [-1, 1],
exactly the operations of FloatMath.tanh) gives against double-precision tanh.

The fit minimises the maximum relative error: linearised least squares (Sanathanan-Koerner: the
previous denominator divides the residual) with Lawson's reweighting toward the worst points.
Run: python3 tools/fit_tanh.py  (numpy and mpmath; prints the Java constants and the error).
"""
import mpmath as mp
import numpy as np

CLAMP = 9.02  # float tanh(x) is 1.0f from x ~ 9.0109 on
DEGREE = 4


def fit(iterations=100):
    mp.mp.dps = 30
    x = np.unique(np.concatenate([np.linspace(0, CLAMP, 20000), CLAMP * (1 - np.cos(np.linspace(0, np.pi / 2, 20000)))]))
    t = np.array([float(mp.tanh(mp.mpf(v))) for v in x])
    z = x * x
    f = np.where(x > 0, t / np.where(x > 0, x, 1), 1.0)  # tanh(x) / x
    weight = np.ones_like(x)
    previous_q = np.ones_like(x)
    for _ in range(iterations):
        # f * Q - P = 0 with q0 = 1, i.e. f = P - f * (Q - 1), unknowns p0..p4, q1..q4
        a = np.hstack([np.vstack([z ** k for k in range(DEGREE + 1)]).T,
                       -np.vstack([f * z ** k for k in range(1, DEGREE + 1)]).T])
        w = weight / (np.abs(f) * np.abs(previous_q))
        solution, *_ = np.linalg.lstsq(a * w[:, None], f * w, rcond=None)
        p = solution[:DEGREE + 1]
        q = np.concatenate([[1.0], solution[DEGREE + 1:]])
        previous_q = np.polyval(q[::-1], z)
        error = (np.polyval(p[::-1], z) / previous_q - f) / f
        weight = weight * np.abs(error)
        weight /= weight.sum()
    return np.array(p, np.float32), np.array(q, np.float32), np.abs(error).max()


def fma(a, b, c):
    # a * b is exact in double for float a, b; the sum then rounds twice, which can differ from a true
    # fused multiply-add in the last bit now and then: good enough to measure the error.
    return (a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)).astype(np.float32)


def tanh32(x, p, q):
    c = np.minimum(np.maximum(x, np.float32(-CLAMP)), np.float32(CLAMP))
    z = c * c
    pz = np.full_like(z, p[DEGREE])
    qz = np.full_like(z, q[DEGREE])
    for k in range(DEGREE - 1, -1, -1):
        pz = fma(pz, z, np.full_like(z, p[k]))
        qz = fma(qz, z, np.full_like(z, q[k]))
    return np.maximum(np.minimum(c * pz / qz, np.float32(1)), np.float32(-1))


def main():
    p, q, fit_error = fit()
    print(f"fit: max relative error {fit_error:.3g} (before rounding the coefficients to float)")
    print("static final float[] TANH_P = {" + ", ".join(repr(float(v)) + "f" for v in p) + "};")
    print("static final float[] TANH_Q = {" + ", ".join(repr(float(v)) + "f" for v in q) + "};")
    lo, hi = np.float32(1e-30).view(np.int32), np.float32(20).view(np.int32)
    worst_ulps, at = 0.0, None
    for start in range(int(lo), int(hi), 20_000_000):
        x = np.arange(start, min(start + 20_000_000, int(hi)), 3, dtype=np.int32).view(np.float32)
        exact = np.tanh(x.astype(np.float64))
        ulps = np.abs(tanh32(x, p, q).astype(np.float64) - exact) / np.spacing(exact.astype(np.float32)).astype(np.float64)
        i = int(np.argmax(ulps))
        if ulps[i] > worst_ulps:
            worst_ulps, at = float(ulps[i]), float(x[i])
    print(f"float evaluation: at most {worst_ulps:.2f} ulp (at x = {at}) over every third float in [1e-30, 20]")


if __name__ == "__main__":
    main()
