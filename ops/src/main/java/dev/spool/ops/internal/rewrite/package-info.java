/**
 * Internal: replaying a graph into a builder (keys, replay, the time axis of scans). Not part of Spool's API: other Spool modules use it, users should not; it may
 * change or move in any release without notice. What users write against is in {@code dev.spool.ops}.
 */
package dev.spool.ops.internal.rewrite;
