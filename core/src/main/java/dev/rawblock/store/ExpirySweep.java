package dev.rawblock.store;

import java.util.function.IntUnaryOperator;

/**
 * The background half of expiry, an {@link Agent}: every {@value #PERIOD_MILLIS} ms it has the
 * store look at the next {@value #CELLS_PER_ROUND} index cells and remove the entries whose expiry
 * time has passed, so the space of keys nobody reads again comes back. (The other half is lazy:
 * every lookup treats an expired entry as absent and removes it.) A round that found many
 * expired entries is followed at once by another, up to {@value #ROUNDS_AT_ONCE}, as Redis's
 * active expiry does; each round is one short hold of the store lock.
 */
final class ExpirySweep implements Agent, AutoCloseable {
    static final int PERIOD_MILLIS = 100;
    static final int CELLS_PER_ROUND = 1024;
    static final int ROUNDS_AT_ONCE = 16;

    private final IntUnaryOperator round;
    private final StoreRuntime runtime;
    private final StoreRuntime.Running running;
    private long lastRoundNanos;
    private boolean woken; // guarded by this

    /** @param round removes the expired entries among the next N cells; returns how many it removed */
    ExpirySweep(IntUnaryOperator round, StoreRuntime runtime) {
        this.round = round;
        this.runtime = runtime;
        this.lastRoundNanos = runtime.nanoTime();
        this.running = runtime.run("rawblock-expiry", this);
    }

    @Override
    public int doWork() {
        long now = runtime.nanoTime();
        if (now - lastRoundNanos < PERIOD_MILLIS * 1_000_000L) return 0;
        lastRoundNanos = now;
        // More than a quarter of the cells expired: the next ones likely have more.
        for (int i = 0; i < ROUNDS_AT_ONCE; i++) {
            if (round.applyAsInt(CELLS_PER_ROUND) < CELLS_PER_ROUND / 4) break;
        }
        return 1;
    }

    @Override
    public synchronized void idle() throws InterruptedException {
        if (!woken) wait(PERIOD_MILLIS);
        woken = false;
    }

    @Override
    public synchronized void wake() {
        woken = true;
        notifyAll();
    }

    @Override
    public void close() {
        running.stop();
    }
}
