package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SecondCore}: every chunk runs exactly once whoever takes it, a failure on either thread
 * reaches the caller, and a task nested in a task (the helper taken) runs on the calling thread.
 */
class SecondCoreTest {

    @Test
    void everyChunkRunsExactlyOnceAcrossManyTasks() {
        for (int task = 0; task < 2000; task++) {
            int count = 1 + task % 17;
            AtomicIntegerArray runs = new AtomicIntegerArray(count);
            SecondCore.forEach(count, runs::incrementAndGet);
            for (int i = 0; i < count; i++) {
                assertEquals(1, runs.get(i), "task " + task + " chunk " + i);
            }
        }
    }

    @Test
    void theHelperTakesChunksFromTheBackWhenTheCallerIsSlow() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        for (int task = 0; task < 50 && threads.size() < 2; task++) {
            SecondCore.forEach(4, i -> {
                threads.add(Thread.currentThread().getName());
                long until = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            });
        }
        if (SecondCore.ENABLED) {
            assertTrue(threads.contains("spool-second-core"), "threads that ran chunks: " + threads);
        } else {
            assertEquals(Set.of(Thread.currentThread().getName()), threads);
        }
    }

    @Test
    void aFailureInAnyChunkReachesTheCallerAfterTheOthersEnd() {
        for (int failing = 0; failing < 4; failing++) {
            int bad = failing;
            AtomicIntegerArray runs = new AtomicIntegerArray(4);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SecondCore.forEach(4, i -> {
                runs.incrementAndGet(i);
                if (i == bad) {
                    throw new IllegalStateException("chunk " + bad);
                }
            }));
            assertEquals("chunk " + bad, e.getMessage());
            for (int i = 0; i < 4; i++) {
                assertTrue(runs.get(i) <= 1, "chunk " + i + " ran " + runs.get(i) + " times");
            }
        }
        // and the helper still serves afterwards
        AtomicIntegerArray runs = new AtomicIntegerArray(8);
        SecondCore.forEach(8, runs::incrementAndGet);
        for (int i = 0; i < 8; i++) {
            assertEquals(1, runs.get(i));
        }
    }

    @Test
    void aTaskNestedInATaskRunsOnItsCallingThread() {
        Set<String> inner = ConcurrentHashMap.newKeySet();
        AtomicIntegerArray runs = new AtomicIntegerArray(6);
        SecondCore.run(() -> SecondCore.forEach(6, i -> {
            inner.add(Thread.currentThread().getName());
            runs.incrementAndGet(i);
        }), () -> { });
        assertEquals(1, inner.size(), "a nested task ran on " + inner);
        for (int i = 0; i < 6; i++) {
            assertEquals(1, runs.get(i));
        }
    }
}
