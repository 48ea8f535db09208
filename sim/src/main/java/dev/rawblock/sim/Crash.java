package dev.rawblock.sim;

/**
 * The simulated machine stopped: thrown from every wait once a crash point is reached, so the
 * store's code unwinds as a killed process's would never run again. An {@link Error}, so that
 * the store's handlers of exceptions do not take it for a failed operation.
 */
final class Crash extends Error {
    Crash() {
        super("simulated crash", null, false, false);
    }
}
