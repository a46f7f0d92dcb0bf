package dev.spool.nn.data;

import dev.spool.graph.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * d2l 1.0's {@code TimeMachine} data: letters-only lower-case text, character tokens, every window
 * {@code corpus[i : i + steps + 1]}; the first 10,000 windows train (reshuffled each epoch), the next
 * 5,000 validate. Batches are time-major (steps, batch) token ids.
 *
 * <pre>{@code
 * TimeMachine tm = TimeMachine.bundled(32);
 * List<TimeMachine.Batch> epoch = tm.trainBatches(1024, new SplittableRandom(0));  // 10 batches
 * }</pre>
 */
public final class TimeMachine {
    public static final int NUM_TRAIN = 10_000;
    public static final int NUM_VAL = 5_000;
    private static final String RESOURCE = "timemachine.txt";

    private final Vocab vocab;
    private final int[] corpus;
    private final int steps;

    /** Inputs and next-token targets, each I64 (steps, batch). */
    public record Batch(Tensor inputs, Tensor targets) {
    }

    private TimeMachine(Vocab vocab, int[] corpus, int steps) {
        this.vocab = vocab;
        this.corpus = corpus;
        this.steps = steps;
    }

    /** d2l's preprocessing: runs of non-letters become one space, then lower case. */
    public static String preprocess(String text) {
        return text.replaceAll("[^A-Za-z]+", " ").toLowerCase(Locale.ROOT);
    }

    public static TimeMachine load(String text, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        }
        String clean = preprocess(text);
        if (clean.isBlank()) {
            throw new IllegalArgumentException("the text has no letters to train on");
        }
        List<String> chars = new ArrayList<>();
        for (int i = 0; i < clean.length(); i++) {
            chars.add(String.valueOf(clean.charAt(i)));
        }
        Vocab vocab = Vocab.of(chars);
        int[] corpus = chars.stream().mapToInt(vocab::index).toArray();
        int windows = corpus.length - steps;
        if (windows < NUM_TRAIN + NUM_VAL) {
            throw new IllegalArgumentException("the text gives " + Math.max(0, windows) + " windows of " + (steps + 1)
                    + " characters but training needs " + (NUM_TRAIN + NUM_VAL) + " (10,000 train + 5,000 validation); use a text of at least "
                    + (NUM_TRAIN + NUM_VAL + steps) + " characters after preprocessing (it has " + corpus.length + ") or fewer --steps");
        }
        return new TimeMachine(vocab, corpus, steps);
    }

    /** The Time Machine text bundled with Spool (sha1 090b5e7e70c295757f55df93cb0a180b9691891a). */
    public static TimeMachine bundled(int steps) {
        return load(bundledText(), steps);
    }

    public static String bundledText() {
        try (InputStream in = TimeMachine.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the bundled " + RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Vocab vocab() {
        return vocab;
    }

    public int[] corpus() {
        return corpus.clone();
    }

    public int numTrain() {
        return NUM_TRAIN;
    }

    /** The training windows in a fresh random order, batched; the last batch may be smaller. */
    public List<Batch> trainBatches(int batchSize, SplittableRandom rnd) {
        int[] order = new int[NUM_TRAIN];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return batches(order, batchSize);
    }

    /** The validation windows in order, batched. */
    public List<Batch> validationBatches(int batchSize) {
        int[] order = new int[NUM_VAL];
        for (int i = 0; i < order.length; i++) {
            order[i] = NUM_TRAIN + i;
        }
        return batches(order, batchSize);
    }

    private List<Batch> batches(int[] windows, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batchSize);
        }
        List<Batch> out = new ArrayList<>();
        for (int start = 0; start < windows.length; start += batchSize) {
            int b = Math.min(batchSize, windows.length - start);
            long[] x = new long[steps * b];
            long[] y = new long[steps * b];
            for (int j = 0; j < b; j++) {
                int w = windows[start + j];
                for (int t = 0; t < steps; t++) {
                    x[t * b + j] = corpus[w + t];
                    y[t * b + j] = corpus[w + t + 1];
                }
            }
            out.add(new Batch(Tensor.ofLongs(new int[] {steps, b}, x), Tensor.ofLongs(new int[] {steps, b}, y)));
        }
        return out;
    }
}
