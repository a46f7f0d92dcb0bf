package dev.spool.ops;

/** Reductions over axes. */
public enum ReduceFn { SUM, MEAN, MAX }
