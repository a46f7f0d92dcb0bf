/**
 * Internal: the differentiator behind {@code Grad.of} and scan chunking for checkpointing. Not part of Spool's API: other Spool modules use it, users should not; it may
 * change or move in any release without notice. What users write against is in {@code dev.spool.ops.Grad}.
 */
package dev.spool.ops.internal.autodiff;
