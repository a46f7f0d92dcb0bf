package dev.spool.examples.spark;

import dev.spool.spark.SpoolSpark;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

/**
 * Scores a Parquet file of character sequences (column {@code text}) with a trained character
 * language model artifact and writes Parquet with two new columns: {@code log_likelihood} (natural
 * log, of each character given those before it) and {@code perplexity} (per character). A Spool
 * problem (a damaged artifact, a model that is not a language model) ends the job with one line and
 * exit status 2.
 *
 * <pre>{@code
 * spark-submit --class dev.spool.examples.spark.ScoreSequences --files lm.spool \
 *     spool-spark-example.jar sequences.parquet lm.spool scored.parquet [BATCH]
 * }</pre>
 */
public final class ScoreSequences {
    private ScoreSequences() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ScoreSequences IN.parquet MODEL.spool OUT.parquet [BATCH]");
            System.exit(2);
        }
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : SpoolSpark.Options.DEFAULT_BATCH_SIZE;
        SparkSession spark = SparkSession.builder().appName("spool-score-sequences").getOrCreate();
        try {
            score(spark, args[0], args[1], args[2], batch);
        } catch (Exception e) {
            // Spark rethrows a task's failure wrapped (SparkException, undeclared in Java): Spool's line is in its causes.
            String why = SpoolSpark.failure(e).orElse(e instanceof IllegalArgumentException ? e.getMessage() : null);
            if (why == null) {
                throw e;
            }
            fail(why);
        } finally {
            spark.stop();
        }
    }

    private static void score(SparkSession spark, String in, String model, String out, int batch) {
        Dataset<Row> text = spark.read().parquet(in).withColumn("tokens", CharacterTokens.udf().apply(col("text")));
        Column steps = size(col("tokens")).minus(1);
        Dataset<Row> scored = SpoolSpark.logLikelihood(text, model, "tokens", "log_likelihood",
                        SpoolSpark.Options.defaults().withBatchSize(batch))
                .withColumn("perplexity", when(steps.geq(1), exp(col("log_likelihood").divide(steps).multiply(-1))).otherwise(lit(null)))
                .drop("tokens");
        long start = System.nanoTime();
        scored.write().mode(SaveMode.Overwrite).parquet(out);
        double seconds = (System.nanoTime() - start) / 1e9;
        Dataset<Row> written = spark.read().parquet(out);
        long rows = written.count();
        System.out.printf("scored %,d sequences in %.1f s (%,.0f rows/s) with %s, batches of %d: wrote %s%n",
                rows, seconds, rows / seconds, model, batch, out);
        System.out.println("most likely (lowest perplexity per character):");
        written.orderBy(col("perplexity").asc_nulls_last()).show(3, 60);
        System.out.println("least likely:");
        written.orderBy(col("perplexity").desc_nulls_last()).show(3, 60);
    }

    private static void fail(String message) {
        System.err.println("spool-spark-example: " + message);
        System.exit(2);
    }
}
