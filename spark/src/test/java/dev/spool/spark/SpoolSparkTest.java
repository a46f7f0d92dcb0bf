package dev.spool.spark;

import dev.spool.backend.cpu.artifact.ArtifactCompiler;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import dev.spool.nn.train.Initializer;
import dev.spool.runtime.ArtifactException;
import dev.spool.runtime.Signature;
import dev.spool.runtime.SpoolModel;

import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpoolSparkTest {
    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true);
    private static SparkSession spark;
    private static final int VOCAB = 28;
    private static SpoolModel model;
    private static final AtomicInteger LOADS = new AtomicInteger();

    @TempDir
    static Path dir;
    private static Path artifact;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkSession.builder().master("local[2]").appName("SpoolSparkTest")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
        artifact = dir.resolve("lm.spool");
        writeLanguageModel(artifact, 18);
        model = SpoolModel.load(artifact);
    }

    /** A character LSTM language model (V 28, H 16, weights from {@code seed}): tokens [T, B] → logits [T, B, 28]. */
    static void writeLanguageModel(Path file, long seed) throws IOException {
        RecurrentConfig rnn = new RecurrentConfig(CellType.LSTM, VOCAB, 16, 1, false, false, DType.F32);
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> weights = new HashMap<>(Initializer.recurrent(rnn, rnd));
        weights.putAll(Initializer.linear("linear.", 16, VOCAB, DType.F32, rnd));
        ArtifactCompiler.write(file, new LanguageModel(rnn).logitsGraph(), weights, Map.of(), List.of(), "tokens", Pipeline.standard());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @BeforeEach
    void freshCache() {
        LOADS.set(0);
        ArtifactCache.useLoader(path -> {
            LOADS.incrementAndGet();
            return SpoolModel.load(path);
        });
    }

    private static final int BATCH = 3;

    /**
     * Ten rows in four partitions, the second empty: lengths 5, 1, 11, 0 | - | 7, 3, 9 | 2, 6 and a null
     * sequence, as token ids.
     */
    private static List<List<Row>> partitions() {
        SplittableRandom rnd = new SplittableRandom(7);
        int[] lengths = {5, 1, 11, 0, 7, 3, 9, 2, 6};
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            rows.add(RowFactory.create(i, rnd.ints(lengths[i], 0, VOCAB).toArray()));
        }
        rows.add(RowFactory.create(lengths.length, null));
        return List.of(List.copyOf(rows.subList(0, 4)), List.of(), List.copyOf(rows.subList(4, 7)), List.copyOf(rows.subList(7, 10)));
    }

    private static Dataset<Row> dataset(List<List<Row>> parts) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(List.of(0, 1, 2, 3), parts.size())
                .mapPartitionsWithIndex((index, ignored) -> parts.get(index).iterator(), true), SCHEMA);
    }

    private static long[] tokens(Row row) {
        return SequenceBatch.list(row.get(1)).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
    }

    /**
     * What {@code SpoolModel.run} gives on the batches the job forms: per partition, the non-null rows
     * in runs of {@link #BATCH}, padded with zeros to the longest (at least one step); each row's
     * logits cut to its length.
     */
    private static Map<Integer, float[][]> expectedLogits(List<List<Row>> parts) {
        Map<Integer, float[][]> expected = new HashMap<>();
        for (List<Row> part : parts) {
            List<Row> present = part.stream().filter(r -> !r.isNullAt(1)).toList();
            for (int from = 0; from < present.size(); from += BATCH) {
                List<Row> batch = present.subList(from, Math.min(present.size(), from + BATCH));
                int b = batch.size();
                int t = Math.max(1, batch.stream().mapToInt(r -> tokens(r).length).max().orElse(0));
                long[] padded = new long[t * b];
                for (int r = 0; r < b; r++) {
                    long[] x = tokens(batch.get(r));
                    for (int s = 0; s < x.length; s++) {
                        padded[s * b + r] = x[s];
                    }
                }
                float[] logits = model.run(Map.of("tokens", Tensor.of(padded, t, b))).get("logits").toFloatArray();
                int v = VOCAB;
                for (int r = 0; r < b; r++) {
                    float[][] rows = new float[tokens(batch.get(r)).length][v];
                    for (int s = 0; s < rows.length; s++) {
                        System.arraycopy(logits, (s * b + r) * v, rows[s], 0, v);
                    }
                    expected.put(batch.get(r).getInt(0), rows);
                }
            }
        }
        return expected;
    }

    @Test
    void predictedLogitsEqualTheModelsOnTheSameBatchesBitForBit() {
        List<List<Row>> parts = partitions();
        Dataset<Row> out = SpoolSpark.predict(dataset(parts), artifact.toString(), "tokens", "logits",
                SpoolSpark.Options.defaults().withBatchSize(BATCH));
        assertEquals("array<array<float>>", out.schema().apply("logits").dataType().simpleString());
        Map<Integer, float[][]> expected = expectedLogits(parts);
        List<Row> rows = out.collectAsList();
        assertEquals(10, rows.size());
        for (Row row : rows) {
            int id = row.getInt(0);
            if (row.isNullAt(1)) {
                assertNull(row.get(2), "row " + id);
                continue;
            }
            List<List<Float>> got = row.getList(2);
            float[][] want = expected.get(id);
            assertEquals(want.length, got.size(), "row " + id + " steps");
            for (int s = 0; s < want.length; s++) {
                float[] step = new float[want[s].length];
                List<?> values = SequenceBatch.list(got.get(s));
                for (int i = 0; i < step.length; i++) {
                    step[i] = (Float) values.get(i);
                }
                assertArrayEquals(want[s], step, "row " + id + " step " + s);
            }
        }
        assertEquals(1, LOADS.get(), "one load for the driver and both task threads of this JVM");
    }

    /** The log-likelihood of one sequence from its own run (B 1, no padding), in double. */
    private static double unpaddedLogLikelihood(long[] x) {
        if (x.length < 2) {
            return 0;
        }
        int v = VOCAB;
        float[] logits = model.run(Map.of("tokens", Tensor.of(x, x.length, 1))).get("logits").toFloatArray();
        double ll = 0;
        for (int t = 0; t + 1 < x.length; t++) {
            double z = 0;
            for (int i = 0; i < v; i++) {
                z += Math.exp(logits[t * v + i]);
            }
            ll += logits[t * v + (int) x[t + 1]] - Math.log(z);
        }
        return ll;
    }

    @Test
    void logLikelihoodOfEachRowIsThatOfItsUnpaddedSequence() {
        List<List<Row>> parts = partitions();
        Dataset<Row> out = SpoolSpark.logLikelihood(dataset(parts), artifact.toString(), "tokens", "ll",
                SpoolSpark.Options.defaults().withBatchSize(BATCH));
        assertEquals("double", out.schema().apply("ll").dataType().simpleString());
        int checked = 0;
        for (Row row : out.collectAsList()) {
            if (row.isNullAt(1)) {
                assertNull(row.get(2));
                continue;
            }
            long[] x = tokens(row);
            double want = unpaddedLogLikelihood(x);
            double got = row.getDouble(2);
            assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)), "row " + row.getInt(0) + " of length " + x.length);
            if (x.length >= 2) {
                assertTrue(got < 0, "a likelihood below 1");
                checked++;
            }
        }
        assertEquals(7, checked);
    }

    /** Flips one byte in the middle of the file: inside the weights, the largest entry. */
    private static void damage(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(file, bytes);
    }

    @Test
    void aDamagedArtifactIsRefusedOnTheDriverWithSpoolsMessage() throws IOException {
        Path broken = dir.resolve("damaged.spool");
        Files.copy(artifact, broken);
        damage(broken);
        String spools = assertThrows(ArtifactException.class, () -> SpoolModel.load(broken)).getMessage();
        Dataset<Row> rows = dataset(partitions());
        ArtifactException refused = assertThrows(ArtifactException.class,
                () -> SpoolSpark.predict(rows, broken.toString(), "tokens", "logits"));
        assertEquals(spools, refused.getMessage());
    }

    @Test
    void anArtifactDamagedAfterPlanningFailsTheJobWithSpoolsMessage() throws IOException {
        Path broken = dir.resolve("broken.spool");
        Files.copy(artifact, broken);
        Dataset<Row> out = SpoolSpark.predict(dataset(partitions()), broken.toString(), "tokens", "logits");
        damage(broken);
        ArtifactCache.clear();
        String spools = assertThrows(ArtifactException.class, () -> SpoolModel.load(broken)).getMessage();
        SparkException failed = assertThrows(SparkException.class, out::collectAsList);
        assertEquals(spools, SpoolSpark.failure(failed).orElseThrow());
        assertTrue(failed.getMessage().contains(spools), failed.getMessage());
    }

    @Test
    void anArtifactReplacedAfterPlanningIsRefusedOnTheExecutor() throws IOException {
        Path changing = dir.resolve("changing.spool");
        Files.copy(artifact, changing);
        Dataset<Row> out = SpoolSpark.predict(dataset(partitions()), changing.toString(), "tokens", "logits");
        writeLanguageModel(changing, 19);
        ArtifactCache.clear();
        SparkException failed = assertThrows(SparkException.class, out::collectAsList);
        String why = SpoolSpark.failure(failed).orElseThrow();
        assertTrue(why.startsWith("artifact " + changing + " differs from the driver's copy"), why);
    }

    @Test
    void columnsThatDoNotFitAreRefusedOnTheDriverNamingThem() {
        Dataset<Row> rows = dataset(partitions());
        String path = artifact.toString();
        assertEquals("no column 'text'; the columns are [id, tokens]",
                assertThrows(IllegalArgumentException.class, () -> SpoolSpark.predict(rows, path, "text", "y")).getMessage());
        assertEquals("column 'id' should be an array of a sequence's steps, is int",
                assertThrows(IllegalArgumentException.class, () -> SpoolSpark.predict(rows, path, "id", "y")).getMessage());
        assertEquals("column 'id' already exists; choose a new name for the output",
                assertThrows(IllegalArgumentException.class, () -> SpoolSpark.predict(rows, path, "tokens", "id")).getMessage());
        assertEquals("artifact " + path + " has no output 'h_n'; its outputs are [logits]",
                assertThrows(IllegalArgumentException.class, () -> SpoolSpark.predict(rows, path, "tokens", "y",
                        SpoolSpark.Options.defaults().withOutput("h_n"))).getMessage());
    }

    /**
     * A GRU layer (input 3, hidden 4) that takes {@code lengths}: feature vectors [T, B, 3] in, the
     * final state {@code h_n} [1, B, 4] read per row, which is the state at each row's own end.
     */
    @Test
    void aLayerWithLengthsGivesEachRowItsStateAtItsOwnEnd() throws IOException {
        RecurrentConfig cfg = new RecurrentConfig(CellType.GRU, 3, 4, 1, false, false, DType.F32);
        Path file = dir.resolve("gru.spool");
        ArtifactCompiler.write(file, RecurrentLayer.graph(cfg, true, true), Initializer.recurrent(cfg, new SplittableRandom(5)),
                Map.of(), List.of(new Signature.State("h0", "h_n")), null, Pipeline.standard());
        SpoolModel gru = SpoolModel.load(file);
        SplittableRandom rnd = new SplittableRandom(11);
        int[] lengths = {4, 1, 6, 2, 5};
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            float[][] x = new float[lengths[i]][3];
            for (float[] step : x) {
                for (int f = 0; f < 3; f++) {
                    step[f] = (float) rnd.nextDouble(-1, 1);
                }
            }
            rows.add(RowFactory.create(i, x));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
                .add("x", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), false);
        List<List<Row>> parts = List.of(List.copyOf(rows.subList(0, 3)), List.copyOf(rows.subList(3, 5)));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> data = spark.createDataFrame(jsc.parallelize(List.of(0, 1), 2)
                .mapPartitionsWithIndex((index, ignored) -> parts.get(index).iterator(), true), schema);
        ArtifactCache.useLoader(SpoolModel::load);
        Dataset<Row> out = SpoolSpark.predict(data, file.toString(), "x", "h_n", SpoolSpark.Options.defaults().withBatchSize(2).withOutput("h_n"));
        assertEquals("array<array<float>>", out.schema().apply("h_n").dataType().simpleString());
        // The same batches by hand: [0, 1], [2] | [3, 4], padded, with lengths.
        int[][] batches = {{0, 1}, {2}, {3, 4}};
        Map<Integer, float[]> expected = new HashMap<>();
        for (int[] batch : batches) {
            int t = java.util.Arrays.stream(batch).map(i -> lengths[i]).max().orElseThrow();
            float[] x = new float[t * batch.length * 3];
            long[] len = new long[batch.length];
            for (int r = 0; r < batch.length; r++) {
                float[][] seq = (float[][]) rows.get(batch[r]).get(1);
                len[r] = seq.length;
                for (int step = 0; step < seq.length; step++) {
                    System.arraycopy(seq[step], 0, x, (step * batch.length + r) * 3, 3);
                }
            }
            float[] h = gru.run(Map.of("input", Tensor.of(x, t, batch.length, 3), "lengths", Tensor.of(len, batch.length)))
                    .get("h_n").toFloatArray();
            for (int r = 0; r < batch.length; r++) {
                expected.put(batch[r], java.util.Arrays.copyOfRange(h, r * 4, r * 4 + 4));
            }
        }
        for (Row row : out.collectAsList()) {
            int id = row.getInt(0);
            List<?> layers = SequenceBatch.list(row.get(2));
            assertEquals(1, layers.size());
            List<?> h = SequenceBatch.list(layers.get(0));
            float[] got = new float[h.size()];
            for (int i = 0; i < got.length; i++) {
                got[i] = (Float) h.get(i);
            }
            assertArrayEquals(expected.get(id), got, "row " + id + ": h_n of the same batch");
            float[][] seq = (float[][]) rows.get(id).get(1);
            float[] alone = new float[seq.length * 3];
            for (int step = 0; step < seq.length; step++) {
                System.arraycopy(seq[step], 0, alone, step * 3, 3);
            }
            float[] unpadded = gru.run(Map.of("input", Tensor.of(alone, seq.length, 1, 3), "lengths", Tensor.of(new long[] {seq.length}, 1)))
                    .get("h_n").toFloatArray();
            assertArrayEquals(unpadded, got, 1e-6f, "row " + id + ": h_n of the row alone");
        }
    }
}
