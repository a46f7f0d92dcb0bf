package dev.spool.examples.spark;

import dev.spool.graph.Tensor;
import dev.spool.runtime.SpoolModel;
import dev.spool.spark.SpoolSpark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * Rows per second of scoring the same sequences three ways: one process running the artifact on the
 * batches one after another ({@code SpoolModel.run}, what {@code spool run} does per file) and
 * computing each row's log-likelihood from the logits, and
 * {@link SpoolSpark#logLikelihood} in Spark's {@code local[1]} and {@code local[2]}. Each figure is
 * the best of {@code REPEATS} timed passes after one warm-up pass. Run with
 * {@code OPENBLAS_NUM_THREADS=1} so that each Spark task thread is one core.
 *
 * <pre>{@code java ... Throughput lm.spool sequences.parquet 64 single local[1] local[2]}</pre>
 */
public final class Throughput {
    private static final int REPEATS = 3;
    /** The last pass's total log-likelihood: read so that the JIT cannot drop the work. */
    private static double checksum;

    private Throughput() {
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: Throughput MODEL.spool IN.parquet BATCH single|local[N]...");
            System.exit(2);
        }
        String model = args[0];
        String in = args[1];
        int batch = Integer.parseInt(args[2]);
        for (int i = 3; i < args.length; i++) {
            String how = args[i];
            double rowsPerSecond = how.equals("single") ? single(model, in, batch) : spark(how, model, in, batch);
            System.out.printf("%-9s batch %d  OPENBLAS_NUM_THREADS=%s  %,.0f rows/s%s%n", how, batch,
                    System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "(unset)"), rowsPerSecond,
                    how.equals("single") ? String.format("  (total log-likelihood %.1f)", checksum) : "");
        }
    }

    /** The sequences of the file as token ids, read once on the driver. */
    private static List<int[]> sequences(String in) {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("read").getOrCreate();
        try {
            return spark.read().parquet(in).select(col("text")).collectAsList().stream()
                    .map(r -> CharacterTokens.encode(r.getString(0))).toList();
        } finally {
            spark.stop();
        }
    }

    private static double single(String artifact, String in, int batch) {
        List<int[]> rows = sequences(in);
        SpoolModel model = SpoolModel.load(Path.of(artifact));
        double best = 0;
        for (int pass = 0; pass <= REPEATS; pass++) {
            long start = System.nanoTime();
            double sum = 0;
            for (int from = 0; from < rows.size(); from += batch) {
                List<int[]> part = rows.subList(from, Math.min(rows.size(), from + batch));
                Tensor logits = model.run(Map.of("tokens", padded(part))).get("logits");
                sum += logLikelihoods(logits, part);
            }
            checksum = sum;
            double rate = rows.size() / ((System.nanoTime() - start) / 1e9);
            best = pass == 0 ? 0 : Math.max(best, rate);
        }
        return best;
    }

    /**
     * The sum over the batch's rows of their log-likelihoods, computed as {@code SpoolSpark.logLikelihood}
     * computes them, so that both sides do the same work per row.
     */
    private static double logLikelihoods(Tensor logits, List<int[]> part) {
        float[] z = logits.toFloatArray();
        int b = part.size();
        int v = logits.dim(2);
        double sum = 0;
        for (int r = 0; r < b; r++) {
            int[] x = part.get(r);
            for (int t = 0; t + 1 < x.length; t++) {
                int base = (t * b + r) * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < v; i++) {
                    max = Math.max(max, z[base + i]);
                }
                double e = 0;
                for (int i = 0; i < v; i++) {
                    e += Math.exp(z[base + i] - max);
                }
                sum += z[base + x[t + 1]] - max - Math.log(e);
            }
        }
        return sum;
    }

    /** Token ids [T, B], time-major, zeros after each row's end (as SpoolSpark pads). */
    private static Tensor padded(List<int[]> part) {
        int b = part.size();
        int t = Math.max(1, part.stream().mapToInt(r -> r.length).max().orElse(0));
        long[] ids = new long[t * b];
        for (int r = 0; r < b; r++) {
            int[] x = part.get(r);
            for (int s = 0; s < x.length; s++) {
                ids[s * b + r] = x[s];
            }
        }
        return Tensor.of(ids, t, b);
    }

    private static double spark(String master, String artifact, String in, int batch) {
        SparkSession spark = SparkSession.builder().master(master).appName("spool-throughput")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            int cores = spark.sparkContext().defaultParallelism();
            Dataset<Row> rows = spark.read().parquet(in).withColumn("tokens", CharacterTokens.udf().apply(col("text")))
                    .repartition(4 * cores).cache();
            long n = rows.count();
            Dataset<Row> scored = SpoolSpark.logLikelihood(rows, artifact, "tokens", "ll", SpoolSpark.Options.defaults().withBatchSize(batch));
            double best = 0;
            for (int pass = 0; pass <= REPEATS; pass++) {
                long start = System.nanoTime();
                scored.write().format("noop").mode("overwrite").save();
                double rate = n / ((System.nanoTime() - start) / 1e9);
                best = pass == 0 ? 0 : Math.max(best, rate);
            }
            return best;
        } finally {
            spark.stop();
        }
    }
}
