/**
 * Internal: the lowered program IR (instructions, buffers, views), liveness, memory planning, the verifier and the program text form that artifacts store. Not part of Spool's API: other Spool modules use it, users should not; it may
 * change or move in any release without notice. What users write against is in {@code dev.spool.graph}, {@code dev.spool.ops} and {@code dev.spool.runtime}.
 */
package dev.spool.program.internal;
