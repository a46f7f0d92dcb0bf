package dev.spool.spark;

import dev.spool.graph.InputException;
import dev.spool.runtime.ArtifactException;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.Optional;

/**
 * Batch inference of a {@code .spool} artifact over a Spark {@link Dataset}: each row's sequence (an
 * array column, lengths may differ) goes through the artifact and the result is appended as a new
 * column. Rows are grouped into padded batches of {@link Options#batchSize()} within each partition;
 * each executor JVM loads the artifact once and shares it between its tasks. The executors need only
 * {@code spool-runtime} (no compiler); the artifact must be readable at the same path on every
 * executor, or shipped with {@code spark-submit --files}.
 *
 * <pre>{@code
 * Dataset<Row> text = spark.read().parquet("sequences.parquet");          // column "tokens": array<int>
 * Dataset<Row> scored = SpoolSpark.logLikelihood(text, "lm.spool", "tokens", "ll");
 * Dataset<Row> logits = SpoolSpark.predict(text, "lm.spool", "tokens", "logits",
 *         SpoolSpark.Options.defaults().withBatchSize(128));             // array<array<float>> per row
 * }</pre>
 *
 * <p>Both calls read the artifact on the driver (its signature decides the new column's type, and a
 * damaged artifact is refused there, with the runtime's message) and are lazy otherwise, as Spark
 * transformations are.
 */
public final class SpoolSpark {
    private SpoolSpark() {
    }

    /**
     * How rows are run.
     *
     * <pre>{@code SpoolSpark.Options.defaults().withBatchSize(128).withOutput("h_n")}</pre>
     *
     * @param batchSize rows per run of the artifact (padded to the longest in the batch)
     * @param output the artifact's output to read, or null for its first output
     */
    public record Options(int batchSize, String output) {
        /** Rows per run when none is given: enough to keep the GEMMs efficient, little padding waste. */
        public static final int DEFAULT_BATCH_SIZE = 64;

        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size should be >= 1, got " + batchSize);
            }
        }

        /** Batches of {@value #DEFAULT_BATCH_SIZE} rows, the artifact's first output: {@code SpoolSpark.Options.defaults()}. */
        public static Options defaults() {
            return new Options(DEFAULT_BATCH_SIZE, null);
        }

        /** These options with {@code n} rows per run: {@code Options.defaults().withBatchSize(128)}. */
        public Options withBatchSize(int n) {
            return new Options(n, output);
        }

        /** These options reading the output {@code name}: {@code Options.defaults().withOutput("h_n")}. */
        public Options withOutput(String name) {
            return new Options(batchSize, name);
        }
    }

    /** {@link #predict(Dataset, String, String, String, Options)} with the default options: {@code SpoolSpark.predict(rows, "m.spool", "features", "output")}. */
    public static Dataset<Row> predict(Dataset<Row> rows, String artifactPath, String inputColumn, String outputColumn) {
        return predict(rows, artifactPath, inputColumn, outputColumn, Options.defaults());
    }

    /**
     * Appends the artifact's output for each row's sequence: its slice of the output along the batch
     * axis, the time axis cut to the row's length — {@code array<float>} for an output {@code [T, B]},
     * {@code array<array<float>>} for {@code [T, B, H]} or, when the artifact takes {@code lengths},
     * a final state {@code [L, B, H]}. The sequence column holds token ids ({@code array<int>} or
     * {@code array<bigint>}) or feature vectors ({@code array<array<float>>}), whichever the
     * artifact's sequence input takes; a null sequence gives a null result.
     *
     * <pre>{@code
     * Dataset<Row> out = SpoolSpark.predict(rows, "/models/lstm.spool", "features", "output",
     *         SpoolSpark.Options.defaults().withOutput("output"));
     * }</pre>
     *
     * @throws IllegalArgumentException when the column or the artifact's signature does not fit
     */
    public static Dataset<Row> predict(Dataset<Row> rows, String artifactPath, String inputColumn, String outputColumn, Options options) {
        return append(rows, artifactPath, inputColumn, outputColumn, options, new RowOutput.Slice());
    }

    /** {@link #logLikelihood(Dataset, String, String, String, Options)} with the default options: {@code SpoolSpark.logLikelihood(rows, "lm.spool", "tokens", "ll")}. */
    public static Dataset<Row> logLikelihood(Dataset<Row> rows, String artifactPath, String tokensColumn, String outputColumn) {
        return logLikelihood(rows, artifactPath, tokensColumn, outputColumn, Options.defaults());
    }

    /**
     * Appends, for a language model artifact (token ids {@code [T, B]} in, logits {@code [T, B, V]}
     * out), the log-likelihood of each row's sequence as a {@code double}: the sum over its steps
     * {@code t < n-1} of {@code log softmax(logits[t])[tokens[t+1]]} (natural log; 0 for sequences
     * shorter than 2). The model is causal, so the padding after a row's end changes nothing. The
     * per-token perplexity is {@code exp(-ll / (n - 1))}.
     *
     * <pre>{@code
     * Dataset<Row> scored = SpoolSpark.logLikelihood(rows, "lm.spool", "tokens", "ll")
     *         .withColumn("ppl", exp(col("ll").divide(size(col("tokens")).minus(1)).multiply(-1)));
     * }</pre>
     *
     * @throws IllegalArgumentException when the column or the artifact's signature does not fit
     */
    public static Dataset<Row> logLikelihood(Dataset<Row> rows, String artifactPath, String tokensColumn, String outputColumn,
            Options options) {
        return append(rows, artifactPath, tokensColumn, outputColumn, options, new RowOutput.LogLikelihood());
    }

    /**
     * The one-line reason of a job that failed in Spool on an executor (an {@link ArtifactException}:
     * the artifact could not be loaded there; an {@link InputException}: a sequence does not fit): its
     * message, without Spark's task and stage wrapping; empty when Spool threw none.
     *
     * <pre>{@code
     * try { scored.write().parquet(out); }
     * catch (SparkException e) { System.err.println(SpoolSpark.failure(e).orElse(e.getMessage())); }
     * }</pre>
     */
    public static Optional<String> failure(Throwable jobFailure) {
        for (Throwable t = jobFailure; t != null; t = t.getCause()) {
            if (isSpools(t)) {
                return Optional.ofNullable(t.getMessage());
            }
        }
        return Optional.empty();
    }

    private static boolean isSpools(Throwable t) {
        return t instanceof ArtifactException || t instanceof InputException;
    }

    private static Dataset<Row> append(Dataset<Row> rows, String artifactPath, String inputColumn, String outputColumn,
            Options options, RowOutput output) {
        StructType schema = rows.schema();
        int column = columnIndex(schema, inputColumn);
        if (!(schema.fields()[column].dataType() instanceof ArrayType)) {
            throw new IllegalArgumentException("column '" + inputColumn + "' should be an array of a sequence's steps, is "
                    + schema.fields()[column].dataType().simpleString());
        }
        if (Arrays.asList(schema.fieldNames()).contains(outputColumn)) {
            throw new IllegalArgumentException("column '" + outputColumn + "' already exists; choose a new name for the output");
        }
        ArtifactCache.Key key = ArtifactCache.Key.of(artifactPath);
        SequenceLayout layout = SequenceLayout.of(artifactPath, ArtifactCache.get(key).signature(), options.output());
        output.check(artifactPath, layout);
        StructType result = schema.add(new StructField(outputColumn, output.sparkType(layout), true, Metadata.empty()));
        BatchScorer scorer = new BatchScorer(key, layout, output, column, inputColumn, options.batchSize());
        return rows.mapPartitions(scorer, Encoders.row(result));
    }

    private static int columnIndex(StructType schema, String name) {
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no column '" + name + "'; the columns are " + Arrays.toString(schema.fieldNames()));
    }
}
