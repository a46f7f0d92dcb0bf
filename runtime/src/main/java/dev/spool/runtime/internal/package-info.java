/**
 * Internal: the artifact file, its program templates and size formulas, and the kernels it ships. Not part of Spool's API: other Spool modules use it, users should not; it may
 * change or move in any release without notice. What users write against is in {@code dev.spool.runtime} ({@code SpoolModel}, {@code Session}, {@code Signature}).
 */
package dev.spool.runtime.internal;
