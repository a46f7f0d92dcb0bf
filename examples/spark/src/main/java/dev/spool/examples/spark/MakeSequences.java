package dev.spool.examples.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a Parquet file of character sequences to score: one row per non-blank line of a text file
 * (lengths differ from line to line), column {@code text}, the lines repeated {@code copies} times.
 *
 * <pre>{@code java ... MakeSequences timemachine.txt sequences.parquet 1}</pre>
 */
public final class MakeSequences {
    private MakeSequences() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: MakeSequences TEXT_FILE OUT.parquet [COPIES]");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Path.of(args[0])).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        int copies = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        List<String> rows = new ArrayList<>(lines.size() * copies);
        for (int c = 0; c < copies; c++) {
            rows.addAll(lines);
        }
        SparkSession spark = SparkSession.builder().appName("spool-make-sequences").getOrCreate();
        try {
            Dataset<String> text = spark.createDataset(rows, Encoders.STRING());
            text.toDF("text").write().mode(SaveMode.Overwrite).parquet(args[1]);
            System.out.printf("wrote %s: %,d sequences of %,d characters%n", args[1], rows.size(), rows.stream().mapToInt(String::length).sum());
        } finally {
            spark.stop();
        }
    }
}
