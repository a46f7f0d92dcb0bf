package dev.spool.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TrainingProgressTest {

    @Test
    void disabledPrintsExactlyTheSummaryLines() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream err = System.err;
        ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(errBuf, true, StandardCharsets.UTF_8));
        try (TrainingProgress p = new TrainingProgress(2, 3, new PrintStream(buf, true, StandardCharsets.UTF_8), false)) {
            for (int epoch = 1; epoch <= 2; epoch++) {
                p.startEpoch(epoch);
                for (int b = 0; b < 3; b++) {
                    p.step(2.5 - b * 0.1, 1024);
                }
                p.endEpoch("epoch " + epoch + "/2  train ppl 9.00");
            }
        } finally {
            System.setErr(err);
        }
        assertEquals("epoch 1/2  train ppl 9.00" + System.lineSeparator() + "epoch 2/2  train ppl 9.00" + System.lineSeparator(),
                buf.toString(StandardCharsets.UTF_8));
        assertEquals("", errBuf.toString(StandardCharsets.UTF_8), "no bar when disabled");
    }

    @Test
    void enabledStillPrintsTheSummaryLines() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try (TrainingProgress p = new TrainingProgress(1, 2, new PrintStream(buf, true, StandardCharsets.UTF_8), true)) {
            p.startEpoch(1);
            p.step(2.3, 100);
            p.step(2.2, 100);
            p.endEpoch("epoch 1/1 done");
        } finally {
            System.setErr(err);
        }
        assertEquals("epoch 1/1 done" + System.lineSeparator(), buf.toString(StandardCharsets.UTF_8));
    }
}
