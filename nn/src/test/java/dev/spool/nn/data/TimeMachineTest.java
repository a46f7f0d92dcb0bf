package dev.spool.nn.data;

import dev.spool.graph.DType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeMachineTest {

    @Test
    void bundledTextIsTheD2lFile() throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-1").digest(TimeMachine.bundledText().getBytes(StandardCharsets.UTF_8));
        assertEquals("090b5e7e70c295757f55df93cb0a180b9691891a", HexFormat.of().formatHex(sha));
    }

    @Test
    void vocabIsSpaceUnkAndTheLetters() {
        List<String> expected = new ArrayList<>(List.of(" ", "<unk>"));
        for (char c = 'a'; c <= 'z'; c++) {
            expected.add(String.valueOf(c));
        }
        Vocab v = TimeMachine.bundled(32).vocab();
        List<String> actual = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            actual.add(v.token(i));
        }
        assertEquals(expected, actual);
        assertEquals(1, v.index("7"), "unknown tokens map to <unk>");
        assertEquals(1, v.index("A"), "upper case is not in the vocabulary; encode lower-cases first");
        assertArrayEquals(new int[] {9, 6, 13, 13, 16, 0, 24}, v.encode("Hello, W"), "preprocessed: 'hello w'");
        assertEquals("hello w", v.decode(v.encode("Hello, W")));
    }

    @Test
    void corpusAndWindowsMatchPython() {
        // Computed independently, from the repository root:
        //   python3 -c "import re; c=re.sub('[^A-Za-z]+',' ',open('nn/src/main/resources/dev/spool/nn/data/timemachine.txt').read()).lower();
        //               v=sorted(set(['<unk>']+list(c))); print(len(c), len(v), [v.index(ch) for ch in c[:20]], len(c)-32)"
        //   -> 173428 28 [21, 9, 6, 0, 21, 10, 14, 6, 0, 14, 2, 4, 9, 10, 15, 6, 0, 3, 26, 0] 173396
        TimeMachine tm = TimeMachine.bundled(32);
        int[] corpus = tm.corpus();
        assertEquals(173428, corpus.length);
        assertEquals(28, tm.vocab().size());
        assertArrayEquals(new int[] {21, 9, 6, 0, 21, 10, 14, 6, 0, 14, 2, 4, 9, 10, 15, 6, 0, 3, 26, 0}, Arrays.copyOf(corpus, 20));
        assertEquals("the time machine by ", tm.vocab().decode(Arrays.copyOf(corpus, 20)));
        assertEquals(173396, tm.numWindows());
        assertEquals(10000, tm.numTrain());
        assertEquals(5000, tm.numValidation());
    }

    @Test
    void batchesAreTimeMajorWithAShortLastBatch() {
        // "hello world abc": 15 tokens, steps 3 -> 12 windows; 5 train (0..4), 3 validation (5..7).
        TimeMachine tm = TimeMachine.load("Hello, World!! 42 abc", 3, 5, 3);
        int[] c = tm.corpus();
        assertEquals("hello world abc", tm.vocab().decode(c));
        assertEquals(12, tm.numWindows());
        List<TimeMachine.Batch> val = tm.validationBatches(2);
        assertEquals(2, val.size());
        assertArrayEquals(new int[] {3, 2}, val.get(0).inputs().shape());
        assertArrayEquals(new int[] {3, 1}, val.get(1).inputs().shape(), "drop_last=False: the last batch is short");
        for (int t = 0; t < 3; t++) {
            for (int b = 0; b < 2; b++) {
                assertEquals(c[5 + b + t], val.get(0).inputs().getLong(t * 2 + b), "inputs[t][b] = window_b[t]");
                assertEquals(c[5 + b + t + 1], val.get(0).targets().getLong(t * 2 + b), "targets[t][b] = window_b[t+1]");
            }
            assertEquals(c[7 + t], val.get(1).inputs().getLong(t));
        }
        List<TimeMachine.Batch> train = tm.trainBatches(2, new SplittableRandom(0));
        assertEquals(List.of(2, 2, 1), train.stream().map(b -> b.inputs().dim(1)).toList());
        assertEquals(DType.I64, train.get(0).inputs().dtype());
        assertEquals(DType.I64, train.get(0).targets().dtype());
    }

    @Test
    void everyTrainingWindowOncePerEpochInASeededOrder() {
        TimeMachine tm = TimeMachine.bundled(32);
        int[] corpus = tm.corpus();
        List<TimeMachine.Batch> batches = tm.trainBatches(1024, new SplittableRandom(1));
        assertEquals(10, batches.size());
        assertArrayEquals(new int[] {32, 1024}, batches.get(0).inputs().shape());
        assertArrayEquals(new int[] {32, 10000 - 9 * 1024}, batches.get(9).inputs().shape());
        boolean[] seen = new boolean[10000];
        for (TimeMachine.Batch b : batches) {
            int n = b.inputs().dim(1);
            for (int j = 0; j < n; j++) {
                int start = windowStart(corpus, b, j);
                assertTrue(start >= 0 && start < 10000 && !seen[start], "window " + start);
                seen[start] = true;
                for (int t = 0; t < 32; t++) {
                    assertEquals(corpus[start + t + 1], b.targets().getLong(t * n + j));
                }
            }
        }
        // 10,000 distinct windows seen, none twice: each exactly once.
        List<TimeMachine.Batch> again = tm.trainBatches(1024, new SplittableRandom(1));
        for (int i = 0; i < batches.size(); i++) {
            assertArrayEquals(batches.get(i).inputs().longs(), again.get(i).inputs().longs(), "same seed, same order");
        }
        SplittableRandom rnd = new SplittableRandom(1);
        tm.trainBatches(1024, rnd);
        assertNotEquals(Arrays.toString(batches.get(0).inputs().longs()),
                Arrays.toString(tm.trainBatches(1024, rnd).get(0).inputs().longs()), "a fresh shuffle each epoch");
        assertNotEquals(Arrays.toString(batches.get(0).inputs().longs()),
                Arrays.toString(tm.trainBatches(1024, new SplittableRandom(2)).get(0).inputs().longs()), "another seed, another order");
    }

    /** The first start s < 10,000 whose 32 tokens are column j; a repeated window would make {@code seen} fail. */
    private static int windowStart(int[] corpus, TimeMachine.Batch b, int j) {
        int n = b.inputs().dim(1);
        outer:
        for (int s = 0; s < 10000; s++) {
            for (int t = 0; t < 32; t++) {
                if (corpus[s + t] != b.inputs().getLong(t * n + j)) {
                    continue outer;
                }
            }
            return s;
        }
        return -1;
    }

    @Test
    void validationBatchesFollowTheTrainingWindowsInOrder() {
        TimeMachine tm = TimeMachine.bundled(32);
        List<TimeMachine.Batch> val = tm.validationBatches(1024);
        assertEquals(5, val.size());
        assertArrayEquals(new int[] {32, 5000 - 4 * 1024}, val.get(4).inputs().shape());
        int[] corpus = tm.corpus();
        assertEquals(corpus[10000], val.get(0).inputs().getLong(0));
        assertEquals(corpus[10000 + 1 + 5 + 1], val.get(0).targets().getLong(5 * 1024 + 1), "window 10001, target of step 5");
    }

    @Test
    void unusableInputsAreRefusedInOneLine() {
        assertEquals("the text has no letters to train on",
                assertThrows(IllegalArgumentException.class, () -> TimeMachine.load("1234 !!", 32)).getMessage());
        assertEquals("the text gives 0 windows of 33 characters but training needs 15000 (10000 train + 5000 validation); "
                        + "use a longer --text (at least 15032 characters after preprocessing, it has 12) or a smaller --steps",
                assertThrows(IllegalArgumentException.class, () -> TimeMachine.load("a short text", 32)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TimeMachine.load("hello world abc", 3, 10, 3)).getMessage()
                .startsWith("the text gives 12 windows of 4 characters but training needs 13 (10 train + 3 validation)"));
        assertEquals("--steps must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> TimeMachine.load("abc", 0)).getMessage());
        TimeMachine tm = TimeMachine.bundled(8);
        assertEquals("--batch must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> tm.trainBatches(0, new SplittableRandom(0))).getMessage());
        assertEquals("--batch must be >= 1, got -1", assertThrows(IllegalArgumentException.class, () -> tm.validationBatches(-1)).getMessage());
    }
}
