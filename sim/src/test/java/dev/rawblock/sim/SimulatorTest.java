package dev.rawblock.sim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatorTest {
    private static final Simulator.Settings STANDARD = Simulator.Settings.standard();

    @Test
    void seedsPassWithCrashesInsideTheirWorkloads() {
        Simulation.Summary s = Simulation.run(0, 40, STANDARD, r -> { }, null);
        assertTrue(s.passed(), () -> String.join("\n", s.failures().getFirst().problems()));
        assertTrue(s.crashPoints() >= 40 * 15, "crash points: " + s.crashPoints());
        assertTrue(s.checks() > 40 * 400, "checks: " + s.checks());
    }

    @Test
    void aSeedReplaysExactly() {
        Simulator.Result a = Simulator.run(4, STANDARD), b = Simulator.run(4, STANDARD);
        assertEquals(a, b);
        assertTrue(a.crashPoints() > 0);
        assertTrue(Simulator.run(5, STANDARD).digest() != a.digest(), "another seed, another run");
    }

    /** The simulator is only worth its passes if it fails a store that breaks its promise: here, one that never flushes. */
    @Test
    void aStoreThatDoesNotFlushLosesAcknowledgedPutsAndIsCaught() {
        Simulator.Settings noFlush = new Simulator.Settings(STANDARD.operations(), STANDARD.keys(), STANDARD.crashOneIn(),
                false, 0);
        Simulation.Summary s = Simulation.run(0, 10, noFlush, r -> { }, null);
        assertTrue(s.lost() > 0, "a store without flushes lost nothing across " + s.crashPoints() + " crash points?");
    }

    /** A corrupted read is a miss (the entry is dropped), never wrong bytes. */
    @Test
    void corruptedReadsAreNeverServed() {
        Simulator.Settings corrupt = new Simulator.Settings(STANDARD.operations(), STANDARD.keys(), STANDARD.crashOneIn(),
                true, 0.02);
        Simulation.Summary s = Simulation.run(100, 10, corrupt, r -> { }, null);
        assertTrue(s.passed(), () -> String.join("\n", s.failures().getFirst().problems()));
    }
}
