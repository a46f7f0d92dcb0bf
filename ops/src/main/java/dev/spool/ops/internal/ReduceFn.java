package dev.spool.ops.internal;

/** Reductions over axes. */
public enum ReduceFn { SUM, MEAN, MAX }
