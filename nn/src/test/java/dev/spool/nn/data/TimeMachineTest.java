package dev.spool.nn.data;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
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
        byte[] sha = MessageDigest.getInstance("SHA-1").digest(TimeMachine.bundledText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("090b5e7e70c295757f55df93cb0a180b9691891a", HexFormat.of().formatHex(sha));
    }

    @Test
    void corpusAndVocabMatchD2l() {
        // Reference computed independently with Python:
        //   c = re.sub('[^A-Za-z]+', ' ', open(f).read()).lower(); v = sorted(set(['<unk>'] + list(c)))
        //   len(c), len(v), [v.index(ch) for ch in c[:20]]
        TimeMachine tm = TimeMachine.bundled(32);
        Vocab v = tm.vocab();
        assertEquals(28, v.size());
        assertEquals(" ", v.token(0));
        assertEquals("<unk>", v.token(1));
        assertEquals("a", v.token(2));
        assertEquals("z", v.token(27));
        int[] corpus = tm.corpus();
        assertEquals(173428, corpus.length);
        assertArrayEquals(new int[] {21, 9, 6, 0, 21, 10, 14, 6, 0, 14, 2, 4, 9, 10, 15, 6, 0, 3, 26, 0},
                java.util.Arrays.copyOf(corpus, 20));
        assertEquals("the time machine by ", v.decode(java.util.Arrays.copyOf(corpus, 20)));
        assertEquals(1, v.index("7"), "unknown tokens map to <unk>");
    }

    @Test
    void trainBatchesAreTimeMajorShuffledWindowsEachSeenOnce() {
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
        List<TimeMachine.Batch> again = tm.trainBatches(1024, new SplittableRandom(1));
        assertArrayEquals(batches.get(3).inputs().longs(), again.get(3).inputs().longs(), "same seed, same order");
        List<TimeMachine.Batch> other = tm.trainBatches(1024, new SplittableRandom(2));
        assertNotEquals(java.util.Arrays.toString(batches.get(0).inputs().longs()), java.util.Arrays.toString(other.get(0).inputs().longs()));
    }

    /** Finds the window start whose tokens are column j (windows are unique enough at 32 steps in the first 10,032 characters). */
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
    void unusableTextsAreRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TimeMachine.load("1234 !!", 32)).getMessage().contains("no letters"));
        var e = assertThrows(IllegalArgumentException.class, () -> TimeMachine.load("a short text", 32));
        assertTrue(e.getMessage().contains("needs 15000") || e.getMessage().contains("training needs 15000"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TimeMachine.load("abc", 0)).getMessage().contains("--steps must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TimeMachine.bundled(8).trainBatches(0, new SplittableRandom(0)))
                .getMessage().contains("--batch must be >= 1"));
    }
}
