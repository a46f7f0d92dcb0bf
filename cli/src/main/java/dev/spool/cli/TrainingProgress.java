package dev.spool.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * Per-epoch progress: when enabled, a bar over the epoch's training batches on standard error
 * (me.tongfei:progressbar) whose text ends {@code epoch 3/100 loss 2.31 ppl 10.1 12.3k tok/s}; enabled or
 * not, one summary line per epoch on {@code out}. Disable it for CI, pipes and {@code --quiet}: the
 * bar redraws with carriage returns, which logs show as noise.
 *
 * <pre>{@code
 * try (var p = new TrainingProgress(100, 10, System.out, System.console() != null)) {
 *     p.startEpoch(1);
 *     p.step(2.31, 32768);                 // once per batch: its mean loss and input tokens
 *     p.endEpoch("epoch 1/100  train ppl 10.1  val ppl 9.8");
 * }
 * }</pre>
 */
final class TrainingProgress implements AutoCloseable {
    private final int epochs;
    private final int batches;
    private final PrintWriter out;
    private final boolean enabled;
    private ProgressBar bar;
    private int epoch;
    private long tokens;
    private long started;

    TrainingProgress(int epochs, int batchesPerEpoch, PrintWriter out, boolean enabled) {
        this.epochs = epochs;
        this.batches = batchesPerEpoch;
        this.out = out;
        this.enabled = enabled;
    }

    TrainingProgress(int epochs, int batchesPerEpoch, PrintStream out, boolean enabled) {
        this(epochs, batchesPerEpoch, new PrintWriter(out, true, Charset.defaultCharset()), enabled);
    }

    /** Starts epoch {@code epoch} (1-based): resets the token rate and opens a new bar. */
    void startEpoch(int epoch) {
        close();
        this.epoch = epoch;
        tokens = 0;
        started = System.nanoTime();
        if (enabled) {
            // Standard error, so `spool train > log` keeps only the summary lines in the log. No task name and
            // no ETA, so the bar keeps some width on an 80-column terminal next to the epoch/loss/rate text;
            // cleared when done, so the terminal shows the summary lines and the current epoch's bar only.
            bar = new ProgressBarBuilder().setTaskName("").setInitialMax(batches).hideEta().clearDisplayOnFinish()
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .continuousUpdate().build();
        }
    }

    /** One training batch done: its mean loss and its number of input tokens. */
    void step(double loss, long batchTokens) {
        tokens += batchTokens;
        if (bar != null) {
            double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
            // Set before stepping so the redraw the step triggers already shows this batch.
            bar.setExtraMessage(String.format("epoch %d/%d loss %.2f ppl %.1f %.1fk tok/s", epoch, epochs, loss, Math.exp(loss),
                    tokens / seconds / 1e3));
            bar.step();
        }
    }

    /** Closes the epoch's bar, then prints {@code summaryLine} on {@code out}. */
    void endEpoch(String summaryLine) {
        close();
        out.println(summaryLine);
        out.flush();
    }

    /** Closes an open bar (idempotent); does not close {@code out}. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
