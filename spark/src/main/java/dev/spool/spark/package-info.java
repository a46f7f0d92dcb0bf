/**
 * Batch inference of a {@code .spool} artifact inside Spark: {@link dev.spool.spark.SpoolSpark}
 * appends a model's output (or a language model's log-likelihood) to each row of a
 * {@code Dataset<Row>}. The executors need only {@code spool-runtime}.
 *
 * <pre>{@code
 * Dataset<Row> scored = SpoolSpark.logLikelihood(text, "lm.spool", "tokens", "ll");
 * }</pre>
 */
package dev.spool.spark;
