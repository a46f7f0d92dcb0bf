package dev.spool.cli;

import dev.spool.graph.internal.AtomicWrite;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The scan-vs-unroll study's charts (XChart, PNG, log-log, one line per loop strategy): compile
 * time, time per token and memory against the sequence length; PyTorch eager as one more line on
 * the run-time chart when it was measured.
 *
 * <pre>{@code
 * StudyPlots.write(dir, rows, "train", Map.of(16, 0.0021, 32, 0.0020), "LSTM H64 B32");
 * }</pre>
 */
final class StudyPlots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private StudyPlots() {
    }

    /**
     * Writes {@code <kind>-compile-time.png}, {@code <kind>-time-per-token.png} and
     * {@code <kind>-memory.png} for the rows of one kind; returns the files written.
     */
    static List<Path> write(Path dir, List<StudyRow> rows, String kind, Map<Integer, Double> torchMsPerToken, String title) throws IOException {
        List<StudyRow> of = rows.stream().filter(r -> r.kind().equals(kind)).toList();
        if (of.isEmpty()) {
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        files.add(chart(dir.resolve(kind + "-compile-time.png"), of, title + ", " + kind + ": compile time", "compile time (ms)",
                StudyRow::compileMs, null, Map.of()));
        files.add(chart(dir.resolve(kind + "-time-per-token.png"), of, title + ", " + kind + ": steady-state time per token",
                "ms per token, median of rounds (error bars: half their range)", StudyRow::msPerToken,
                r -> (r.msPerTokenHigh() - r.msPerTokenLow()) / 2, torchMsPerToken));
        files.add(chart(dir.resolve(kind + "-memory.png"), of, title + ", " + kind + ": planned peak memory", "bytes",
                r -> (double) r.plannedPeakBytes(), null, Map.of()));
        return files;
    }

    /** One line per mode of y against T; {@code error} (may be null) gives each point's error bar. */
    private static Path chart(Path png, List<StudyRow> rows, String title, String yTitle, ToDoubleFunction<StudyRow> y,
                              ToDoubleFunction<StudyRow> error, Map<Integer, Double> reference) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("sequence length T").yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        Map<String, List<StudyRow>> byMode = new LinkedHashMap<>();
        rows.forEach(r -> byMode.computeIfAbsent(r.mode(), k -> new ArrayList<>()).add(r));
        byMode.forEach((mode, rs) -> {
            List<Integer> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            for (StudyRow r : rs) {
                double v = y.applyAsDouble(r);
                if (v > 0) {
                    xs.add(r.steps());
                    ys.add(v);
                    // Clipped so that the bar stays above zero on the logarithmic axis.
                    errors.add(error == null ? 0 : Math.min(error.applyAsDouble(r), 0.99 * v));
                }
            }
            if (!xs.isEmpty()) {
                (error == null ? chart.addSeries(mode, xs, ys) : chart.addSeries(mode, xs, ys, errors)).setMarker(SeriesMarkers.CIRCLE);
            }
        });
        if (!reference.isEmpty()) {
            chart.addSeries("PyTorch eager", new ArrayList<>(reference.keySet()), new ArrayList<>(reference.values())).setMarker(SeriesMarkers.DIAMOND);
        }
        AtomicWrite.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        return png;
    }
}
