/**
 * Internal: the graph IR (nodes, the op interface, sources, the scan op, constants), dimension unification, the verifier, the printers and atomic file writes. Not part of Spool's API: other Spool modules use it, users should not; it may
 * change or move in any release without notice. What users write against is in {@code dev.spool.graph}.
 */
package dev.spool.graph.internal;
