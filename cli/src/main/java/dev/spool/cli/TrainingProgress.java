package dev.spool.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;

/**
 * Per-epoch progress: a bar over the training batches showing loss, perplexity and tokens/s
 * (me.tongfei:progressbar, on standard error) when enabled, and one summary line per epoch either way.
 *
 * <pre>{@code
 * try (var p = new TrainingProgress(100, 10, out, true)) {
 *     p.startEpoch(1); p.step(2.3, 32768); p.endEpoch("epoch 1/100 ...");
 * }
 * }</pre>
 */
final class TrainingProgress implements AutoCloseable {
    private final int epochs;
    private final int batches;
    private final PrintWriter out;
    private final boolean enabled;
    private ProgressBar bar;
    private long tokens;
    private long started;

    TrainingProgress(int epochs, int batchesPerEpoch, PrintWriter out, boolean enabled) {
        this.epochs = epochs;
        this.batches = batchesPerEpoch;
        this.out = out;
        this.enabled = enabled;
    }

    void startEpoch(int epoch) {
        tokens = 0;
        started = System.nanoTime();
        if (enabled) {
            bar = new ProgressBarBuilder().setTaskName("epoch " + epoch + "/" + epochs).setInitialMax(batches)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                    .continuousUpdate().build();
        }
    }

    void step(double loss, long batchTokens) {
        tokens += batchTokens;
        if (bar != null) {
            double seconds = (System.nanoTime() - started) / 1e9;
            bar.step();
            bar.setExtraMessage(String.format("loss %.3f ppl %.2f %.1fk tok/s", loss, Math.exp(loss), tokens / seconds / 1e3));
        }
    }

    void endEpoch(String summary) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        out.println(summary);
        out.flush();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
