package dev.spool.cli;

import dev.spool.graph.internal.AtomicWrite;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Train and validation perplexity per epoch as an 800×500 PNG line chart (XChart), written to a
 * temporary file and renamed, so a failure leaves no partial plot.
 *
 * <pre>{@code
 * PerplexityPlot.write(Path.of("perplexity.png"), List.of(20.6, 17.1, 15.2), List.of(16.7, 16.0, 14.9), "rnn H32, lr 1");
 * }</pre>
 */
final class PerplexityPlot {
    static final int WIDTH = 800;
    static final int HEIGHT = 500;

    static {
        // Rendering needs no display; without this a server JVM with DISPLAY unset can fail in AWT. Set
        // before XChart touches AWT, which happens first in this class.
        System.setProperty("java.awt.headless", "true");
    }

    private PerplexityPlot() {
    }

    /** As {@link #write(Path, List, List, String, boolean)}, log-scale y when the values span more than a factor of 4. */
    static void write(Path png, List<Double> train, List<Double> val, String title) throws IOException {
        AtomicWrite.write(png, png(train, val, title));
    }

    /** The PNG bytes of {@link #write(Path, List, List, String)}. */
    static byte[] png(List<Double> train, List<Double> val, String title) throws IOException {
        double max = Stream.concat(train.stream(), val.stream()).mapToDouble(Double::doubleValue).max().orElse(1);
        double min = Stream.concat(train.stream(), val.stream()).mapToDouble(Double::doubleValue).min().orElse(1);
        // The first epochs (ppl ~ 28) would flatten the interesting end (ppl ~ 6-8) on a linear axis.
        return png(train, val, title, max > 4 * min);
    }

    /**
     * Writes the chart: x = epoch 1..n, one line per series.
     *
     * @throws IllegalArgumentException when the series are empty or of different lengths, or {@code logY}
     *                                  with a non-positive value
     */
    static void write(Path png, List<Double> train, List<Double> val, String title, boolean logY) throws IOException {
        AtomicWrite.write(png, png(train, val, title, logY));
    }

    private static byte[] png(List<Double> train, List<Double> val, String title, boolean logY) throws IOException {
        if (train.isEmpty() || train.size() != val.size()) {
            throw new IllegalArgumentException("a perplexity plot needs one train and one validation value per epoch, got "
                    + train.size() + " and " + val.size());
        }
        if (logY && Stream.concat(train.stream(), val.stream()).anyMatch(v -> !(v > 0))) {
            throw new IllegalArgumentException("a log-scale perplexity plot needs positive values");
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").yAxisTitle("perplexity").build();
        List<Integer> epochs = IntStream.rangeClosed(1, train.size()).boxed().toList();
        chart.addSeries("train", epochs, train).setMarker(SeriesMarkers.NONE);
        chart.addSeries("validation", epochs, val).setMarker(SeriesMarkers.NONE);
        chart.getStyler().setYAxisLogarithmic(logY);
        // Rendered to memory first, then written atomically: no half-written PNG if rendering or the disk fails.
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
