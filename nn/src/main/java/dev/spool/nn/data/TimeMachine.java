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
 * {@code corpus[i : i + steps + 1]}; the first 10,000 windows train (reshuffled each epoch, as
 * {@code DataLoader(shuffle=True)}), the next 5,000 validate. Batches are time-major (steps, batch)
 * token ids, the layout the scan consumes, so no transpose is needed per batch.
 *
 * <pre>{@code
 * TimeMachine tm = TimeMachine.bundled(32);
 * List<TimeMachine.Batch> epoch = tm.trainBatches(1024, new SplittableRandom(0));  // 9 × 1024 + 1 × 784
 * }</pre>
 */
public final class TimeMachine {
    /** Training windows of the default split, as d2l's {@code num_train}. */
    public static final int NUM_TRAIN = 10_000;
    /** Validation windows of the default split, as d2l's {@code num_val}. */
    public static final int NUM_VAL = 5_000;
    private static final String RESOURCE = "timemachine.txt";

    private final Vocab vocab;
    private final int[] corpus;
    private final int steps;
    private final int numTrain;
    private final int numVal;

    /**
     * Inputs and next-token targets, each I64 (steps, batch), time-major:
     * {@code inputs[t][b] = window_b[t]}, {@code targets[t][b] = window_b[t + 1]}.
     */
    public record Batch(Tensor inputs, Tensor targets) {
    }

    private TimeMachine(Vocab vocab, int[] corpus, int steps, int numTrain, int numVal) {
        this.vocab = vocab;
        this.corpus = corpus;
        this.steps = steps;
        this.numTrain = numTrain;
        this.numVal = numVal;
    }

    /** d2l's preprocessing: runs of non-letters become one space, then lower case: {@code preprocess("The Time-Machine!")} is {@code "the time machine "}. */
    public static String preprocess(String text) {
        return text.replaceAll("[^A-Za-z]+", " ").toLowerCase(Locale.ROOT);
    }

    /**
     * The d2l pipeline on {@code text} with 10,000 training and 5,000 validation windows.
     *
     * <pre>{@code TimeMachine.load(Files.readString(path), 32).vocab().size()  // 28 for English text}</pre>
     *
     * @throws IllegalArgumentException (one line) for {@code steps < 1}, a text without letters, or
     *                                  one too short for 15,000 windows
     */
    public static TimeMachine load(String text, int steps) {
        return load(text, steps, NUM_TRAIN, NUM_VAL);
    }

    /** As {@link #load(String, int)} with other split sizes, e.g. {@code load(text, 8, 100, 50)} for small tests. */
    public static TimeMachine load(String text, int steps, int numTrain, int numVal) {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        }
        if (numTrain < 1 || numVal < 0) {
            throw new IllegalArgumentException("need at least 1 training and 0 validation windows, got " + numTrain + " and " + numVal);
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
        // d2l: one window per start i in range(len(corpus) - steps); none when the text is not longer than steps.
        int windows = Math.max(0, corpus.length - steps);
        int needed = numTrain + numVal;
        if (windows < needed) {
            throw new IllegalArgumentException("the text gives " + windows + " windows of " + (steps + 1) + " characters but training needs "
                    + needed + " (" + numTrain + " train + " + numVal + " validation); use a longer --text (at least "
                    + (needed + steps) + " characters after preprocessing, it has " + corpus.length + ") or a smaller --steps");
        }
        return new TimeMachine(vocab, corpus, steps, numTrain, numVal);
    }

    /**
     * The Time Machine text bundled with Spool (sha1 090b5e7e70c295757f55df93cb0a180b9691891a), with the
     * default split. <pre>{@code TimeMachine.bundled(32).corpus().length  // 173,428}</pre>
     */
    public static TimeMachine bundled(int steps) {
        return load(bundledText(), steps);
    }

    /** The raw bundled text, before preprocessing: {@code TimeMachine.load(TimeMachine.bundledText(), 8)}. */
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

    /** The character vocabulary: {@code tm.vocab().size() == 28}. */
    public Vocab vocab() {
        return vocab;
    }

    /** The token ids of the whole preprocessed text (a copy): {@code tm.corpus().length}. */
    public int[] corpus() {
        return corpus.clone();
    }

    /** The window length (time steps per sequence): {@code TimeMachine.bundled(32).steps() == 32}. */
    public int steps() {
        return steps;
    }

    /** All windows of the text, {@code len(corpus) - steps} as in d2l; only the first numTrain + numValidation are used. */
    public int numWindows() {
        return corpus.length - steps;
    }

    /** Training windows per epoch (10,000 by default): {@code tm.numTrain() / batch} full batches. */
    public int numTrain() {
        return numTrain;
    }

    /** Validation windows (5,000 by default), the ones right after the training windows: {@code tm.numValidation()}. */
    public int numValidation() {
        return numVal;
    }

    /**
     * The training windows in a fresh random order (Fisher–Yates with {@code rnd}), batched; the last
     * batch is smaller when {@code batchSize} does not divide {@link #numTrain()} (as
     * {@code DataLoader(shuffle=True, drop_last=False)}). The same seed gives the same order.
     *
     * <pre>{@code tm.trainBatches(1024, rnd).get(9).inputs().shape()  // [32, 784]}</pre>
     */
    public List<Batch> trainBatches(int batchSize, SplittableRandom rnd) {
        checkBatch(batchSize);
        int[] order = new int[numTrain];
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

    /** The validation windows in order, batched as {@link #trainBatches}: {@code tm.validationBatches(1024).size() == 5}. */
    public List<Batch> validationBatches(int batchSize) {
        checkBatch(batchSize);
        int[] order = new int[numVal];
        for (int i = 0; i < order.length; i++) {
            order[i] = numTrain + i;
        }
        return batches(order, batchSize);
    }

    private static void checkBatch(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batchSize);
        }
    }

    private List<Batch> batches(int[] windows, int batchSize) {
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
