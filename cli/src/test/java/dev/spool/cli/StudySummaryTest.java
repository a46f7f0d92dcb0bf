package dev.spool.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The study's CSV and findings, computed from hand-made rows. */
class StudySummaryTest {

    static StudyRow row(String kind, String mode, int factor, int steps, double compileMs, double msPerToken) {
        return new StudyRow("lstm", 8, 2, kind, mode, factor, steps, 1, compileMs, 0, 0, 0, 0, 0, 1, compileMs + 1, msPerToken, msPerToken, 0.1 * msPerToken,
                msPerToken, msPerToken, List.of(msPerToken), 100, 50, 3, 1000, 4096, 4160, 512);
    }

    @Test
    void medianRangeAndCoverageMatchHandComputedCases() {
        double[] odd = StudyRow.medianAndRange(List.of(3.0, 1.0, 9.0, 2.0, 4.0));
        assertEquals(3.0, odd[0]);
        assertEquals(1.0, odd[1]);
        assertEquals(9.0, odd[2]);
        assertEquals(2.5, StudyRow.medianAndRange(List.of(4.0, 1.0, 2.0, 3.0))[0]);
        // The median lies outside [min, max] of n rounds only if all n fall on one side: 2 * 2^-n.
        assertEquals(0.75, StudyRow.rangeCoverage(3), 1e-12);
        assertEquals(0.9375, StudyRow.rangeCoverage(5), 1e-12);
        assertEquals(0, StudyRow.rangeCoverage(1));
    }

    @Test
    void autoChecksPairRoundsAndTellNoiseFromAClearMiss() {
        // Round 2 of the machine is slow for both strategies: the paired ratio stays 1.2 in every round (a clear miss),
        // while unpaired figures would hide it in the spread.
        StudyRow full = row("train", "full", 0, 16, 90, 1).withRounds(List.of(1.0, 2.0, 1.0));
        StudyRow scan = row("train", "scan", 1, 16, 10, 1).withRounds(List.of(1.2, 2.4, 1.2));
        var clear = StudySummary.autoChecks(List.of(scan, full), Map.of("train", Map.of(16, 1))).get(0);
        assertEquals("full", clear.fastest());
        assertEquals(1.2, clear.ratio(), 1e-12);
        assertEquals(1.2, clear.ratioLow(), 1e-12);
        assertFalse(clear.withinTolerance());
        assertFalse(clear.withinNoise());
        // Ratios 0.9, 1.5, 1.2: median 1.2, but one round had scan faster, so the rounds cannot call it a miss.
        StudyRow noisy = row("train", "scan", 1, 16, 10, 1).withRounds(List.of(0.9, 3.0, 1.2));
        var unsure = StudySummary.autoChecks(List.of(noisy, full), Map.of("train", Map.of(16, 1))).get(0);
        assertFalse(unsure.withinTolerance());
        assertTrue(unsure.withinNoise());
        assertTrue(StudySummary.markdown(List.of(noisy, full), Map.of("train", Map.of(16, 1)), Map.of(), "LSTM H8 B2").contains("within noise"));
        // One round 9.6x slow (a hiccup of the machine during that point alone): the median ignores it.
        StudyRow spiked = row("train", "scan", 1, 16, 10, 1).withRounds(List.of(1.0, 19.2, 0.99));
        assertTrue(StudySummary.autoChecks(List.of(spiked, full), Map.of("train", Map.of(16, 1))).get(0).withinTolerance());
    }

    @Test
    void csvHasAHeaderNamingEveryColumnAndOneLinePerRow() {
        String csv = StudyRow.csv(List.of(row("forward", "scan", 1, 8, 10, 0.5), row("forward", "full", 0, 8, 90, 0.25)));
        String[] lines = csv.split("\n");
        assertEquals(3, lines.length);
        assertEquals(String.join(",", StudyRow.HEADER), lines[0]);
        for (String line : lines) {
            assertEquals(StudyRow.HEADER.size(), line.split(",").length, line);
        }
        assertTrue(lines[2].startsWith("lstm,8,2,forward,full,0,8,"), lines[2]);
        assertTrue(lines[2].contains(",0.250000,"), lines[2]);
    }

    @Test
    void growthExponentOfAPowerLawIsItsPower() {
        List<double[]> quadratic = new ArrayList<>();
        List<double[]> flat = new ArrayList<>();
        for (int t : List.of(4, 16, 64, 256)) {
            quadratic.add(new double[] {t, 3.0 * t * t});
            flat.add(new double[] {t, 42});
        }
        assertEquals(2.0, StudySummary.growthExponent(quadratic), 1e-9);
        assertEquals(0.0, StudySummary.growthExponent(flat), 1e-9);
        assertTrue(Double.isNaN(StudySummary.growthExponent(List.of(new double[] {4, 1}))));
    }

    @Test
    void autoChecksCompareTheChosenStrategyWithTheFastestAtEachLength() {
        List<StudyRow> rows = List.of(row("forward", "scan", 1, 8, 10, 1.0), row("forward", "full", 0, 8, 90, 0.8),
                row("forward", "scan", 1, 64, 10, 1.0), row("forward", "full", 0, 64, 900, 1.05));
        var checks = StudySummary.autoChecks(rows, Map.of("forward", Map.of(8, 1, 64, 1)));
        assertEquals(2, checks.size());
        var at8 = checks.stream().filter(c -> c.steps() == 8).findFirst().orElseThrow();
        assertEquals("full", at8.fastest());
        assertEquals(1.25, at8.ratio(), 1e-12);
        assertFalse(at8.withinTolerance());
        assertTrue(checks.stream().filter(c -> c.steps() == 64).findFirst().orElseThrow().withinTolerance());
    }

    @Test
    void markdownNamesTheFastestStrategyTheGrowthAndAutosMisses() {
        List<StudyRow> rows = List.of(row("forward", "scan", 1, 8, 10, 1.0), row("forward", "full", 0, 8, 40, 0.8),
                row("forward", "scan", 1, 32, 10, 1.0), row("forward", "full", 0, 32, 640, 1.5),
                row("train", "scan+ckpt-4", 4, 32, 12, 2.0));
        String md = StudySummary.markdown(rows, Map.of("forward", Map.of(8, 1, 32, 1)), Map.of("forward", Map.of(8, 0.9)), "LSTM H8 B2");
        assertTrue(md.startsWith("# Scan vs unroll: LSTM H8 B2"), md);
        assertTrue(md.contains("| 8 | full | 1.000 (1.25×) | 10 | 0.8000 (1.00×) | 40 | 0.9000 |"), md);
        assertTrue(md.contains("| 32 | scan |"), md);
        assertTrue(md.contains("full e = 2.00"), md);
        assertTrue(md.contains("scan e = 0.00"), md);
        assertTrue(md.contains("misses (median paired ratio over rounds [range]): T=8 (chose scan, 1.25× [1.25–1.25] full, a clear miss)"), md);
        assertFalse(md.contains("| T | fastest |\n|---|---|\n"), "no empty strategy table: " + md);
        assertTrue(md.contains("| 32 | 4 | 2.000 | 512 | 4,096 | 4,160 |"), md);
    }
}
