/**
 * Internal: the op records ({@code Binary}, {@code Pad}, {@code Iota}, ...), their shape rules, op codes and VJP rules. Not part of Spool's API: other Spool modules use it, users should not; it may
 * change or move in any release without notice. What users write against is in {@code dev.spool.ops} ({@code Builder}, {@code Grad}).
 */
package dev.spool.ops.internal;
