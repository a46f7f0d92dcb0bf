package dev.spool.cli;

import dev.spool.graph.io.AtomicWrite;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/** Train and validation perplexity per epoch as a PNG line chart (XChart), written atomically. */
final class PerplexityPlot {
    private PerplexityPlot() {
    }

    static void write(Path png, List<Double> train, List<Double> val, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch").yAxisTitle("perplexity").build();
        List<Integer> epochs = IntStream.rangeClosed(1, train.size()).boxed().toList();
        chart.addSeries("train", epochs, train).setMarker(SeriesMarkers.NONE);
        chart.addSeries("validation", epochs, val).setMarker(SeriesMarkers.NONE);
        chart.getStyler().setYAxisLogarithmic(train.stream().mapToDouble(Double::doubleValue).max().orElse(1)
                > 4 * train.stream().mapToDouble(Double::doubleValue).min().orElse(1));
        AtomicWrite.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }
}
