package dev.rawblock.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arithmetic of {@code bench device --sweep}: medians, spreads, verdicts, the run order and the estimate. */
class BenchDeviceVerdictTest {
    private static Spread spread(double... values) {
        List<Double> list = new ArrayList<>();
        for (double v : values) list.add(v);
        return Spread.of(list);
    }

    @Test
    void spreadIsMedianMinAndMax() {
        assertEquals(new Spread(2, 1, 9), spread(9, 1, 2));
        assertEquals(new Spread(2.5, 1, 9), spread(9, 1, 2, 3)); // even count: mean of the middle two
        assertEquals(new Spread(4, 4, 4), spread(4));
        assertThrows(IllegalArgumentException.class, () -> Spread.of(List.of()));
    }

    @Test
    void overlappingRunsAreAtFioWhateverTheMedians() {
        // Medians 1.2 vs 1.0 look like a 20% win, but our slowest run is below fio's fastest.
        Spread ours = spread(0.95, 1.2, 1.3);
        Spread fio = spread(0.9, 1.0, 1.05);
        assertEquals(Verdict.AT, Verdict.of(ours, fio));
        assertEquals(1.2, Verdict.ratio(ours, fio).median(), 1e-12);
        assertEquals(0.95 / 1.05, Verdict.ratio(ours, fio).min(), 1e-12);
        assertEquals(1.3 / 0.9, Verdict.ratio(ours, fio).max(), 1e-12);
        assertEquals("at fio", Verdict.of(ours, fio).label());
    }

    @Test
    void separateSpreadsAreAWinOrALoss() {
        Spread fast = spread(2.0, 2.1, 2.2);
        Spread slow = spread(1.0, 1.5, 1.9);
        assertEquals(Verdict.ABOVE, Verdict.of(fast, slow));
        assertEquals(Verdict.BELOW, Verdict.of(slow, fast));
        assertEquals("above fio", Verdict.ABOVE.label());
        assertEquals("below fio", Verdict.BELOW.label());
    }

    @Test
    void touchingSpreadsAreAtFio() {
        // Our slowest run equals fio's fastest: the ratio's range reaches 1.0 exactly.
        assertEquals(Verdict.AT, Verdict.of(spread(2.0, 3.0), spread(1.0, 2.0)));
        assertEquals(Verdict.AT, Verdict.of(spread(1.0, 2.0), spread(2.0, 3.0)));
    }

    @Test
    void runsAlternateAbba() {
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 8; i++) order.append(DeviceSweep.oursAt(i) ? 'R' : 'F');
        assertEquals("RFFRRFFR", order.toString());
    }

    @Test
    void gridListsPointsByPatternThenBlockThenDepth() {
        SweepGrid grid = new SweepGrid(List.of(AccessPattern.WRITE, AccessPattern.RANDREAD), List.of(4096L, 1L << 20),
                List.of(1, 32));
        List<SweepGrid.Point> points = grid.points();
        assertEquals(8, points.size());
        assertEquals(new SweepGrid.Point(AccessPattern.WRITE, 4096, 1), points.get(0));
        assertEquals(new SweepGrid.Point(AccessPattern.WRITE, 4096, 32), points.get(1));
        assertEquals(new SweepGrid.Point(AccessPattern.RANDREAD, 1L << 20, 32), points.get(7));
        assertEquals(32L << 20, grid.maxBufferBytes());
        assertEquals("randread 1 MiB qd32", points.get(7).label());
    }

    @Test
    void defaultGridHasTheIssuePointsAndFitsTenMinutes() {
        SweepGrid grid = new SweepGrid(SweepGrid.DEFAULT_PATTERNS, SweepGrid.DEFAULT_BLOCKS, SweepGrid.DEFAULT_QDS);
        List<SweepGrid.Point> points = grid.points();
        for (SweepGrid.Point p : List.of(new SweepGrid.Point(AccessPattern.WRITE, 256 << 10, 32),
                new SweepGrid.Point(AccessPattern.RANDREAD, 256 << 10, 32),
                new SweepGrid.Point(AccessPattern.RANDREAD, 256 << 10, 1),
                new SweepGrid.Point(AccessPattern.RANDREAD, 4 << 10, 32),
                new SweepGrid.Point(AccessPattern.RANDREAD, 1 << 20, 8),
                new SweepGrid.Point(AccessPattern.WRITE, 4 << 20, 8),
                new SweepGrid.Point(AccessPattern.RANDREAD, 4 << 20, 8))) {
            assertEquals(true, points.contains(p), p.label());
        }
        double seconds = DeviceSweep.estimatedSeconds(points.size(), BenchDeviceCommand.SWEEP_RUNS, 5, 1_000_000_000L);
        // 40 points x 2 sides x 5 runs of 1 s, and 5 warm-up runs, each with its overhead: under 10 minutes.
        assertEquals(405 * (1 + DeviceSweep.OVERHEAD_SECONDS_PER_RUN), seconds, 1e-9);
        assertTrue(seconds < 600, seconds + " s");
    }

    @Test
    void falseVerdictChanceFallsWithRuns() {
        assertEquals(2.0 / 6, DeviceSweep.falseVerdictChance(2), 1e-12);   // C(4,2) = 6
        assertEquals(2.0 / 20, DeviceSweep.falseVerdictChance(3), 1e-12);  // C(6,3) = 20
        assertEquals(2.0 / 252, DeviceSweep.falseVerdictChance(5), 1e-12); // C(10,5) = 252
        assertEquals(1.0, DeviceSweep.falseVerdictChance(1), 1e-12);       // one run each: always a verdict
    }

    @Test
    void secondsAreShownWithoutTrailingZeros() {
        assertEquals("1", SweepReport.seconds(1_000_000_000L));
        assertEquals("0.25", SweepReport.seconds(250_000_000L));
    }
}
