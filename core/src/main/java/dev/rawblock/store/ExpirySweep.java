package dev.rawblock.store;

import java.util.function.IntUnaryOperator;

/**
 * The background half of expiry, on its own thread: every {@value #PERIOD_MILLIS} ms it has the
 * store look at the next {@value #CELLS_PER_ROUND} index cells and remove the entries whose expiry
 * time has passed, so the space of keys nobody reads again comes back. (The other half is lazy:
 * every lookup treats an expired entry as absent and removes it.) A round that found many
 * expired entries is followed at once by another, up to {@value #ROUNDS_AT_ONCE}, as Redis's
 * active expiry does; each round is one short hold of the store lock.
 */
final class ExpirySweep implements AutoCloseable {
    static final int PERIOD_MILLIS = 100;
    static final int CELLS_PER_ROUND = 1024;
    static final int ROUNDS_AT_ONCE = 16;

    private final IntUnaryOperator round;
    private final Thread thread;
    private volatile boolean stopped;

    /** @param round removes the expired entries among the next N cells; returns how many it removed */
    ExpirySweep(IntUnaryOperator round) {
        this.round = round;
        this.thread = Thread.ofPlatform().daemon().name("rawblock-expiry").start(this::run);
    }

    private void run() {
        while (!stopped) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            // More than a quarter of the cells expired: the next ones likely have more.
            for (int i = 0; i < ROUNDS_AT_ONCE && !stopped; i++) {
                if (round.applyAsInt(CELLS_PER_ROUND) < CELLS_PER_ROUND / 4) break;
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
