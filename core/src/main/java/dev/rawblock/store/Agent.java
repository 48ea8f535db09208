package dev.rawblock.store;

/**
 * A piece of the store's background work, run in steps (Aeron's agent): the journal writer, the
 * checkpointer and the expiry sweep. A {@link StoreRuntime} runs it, on a thread of its own in
 * production, or as one step of a simulation's loop, where every agent and the device advance
 * in an order a seed fixes.
 */
public interface Agent {
    /** Does what is due now, without waiting for more to be due; returns how much it did (0: nothing). */
    int doWork();

    /** On a thread: waits until work may be due (a bounded or notified wait), returning early on {@link #wake}. */
    void idle() throws InterruptedException;

    /** Ends an {@link #idle} early: work was added, or the agent is being stopped. */
    void wake();
}
