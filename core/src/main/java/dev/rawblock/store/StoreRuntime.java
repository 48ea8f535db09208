package dev.rawblock.store;

import java.util.concurrent.CompletableFuture;

/**
 * Where a store takes time, waiting and background work from: {@link #SYSTEM} in production, a
 * simulation's loop in tests. Every clock read, every future the store completes itself and
 * every background {@link Agent} go through it, so a simulation can run a store on one thread,
 * in an order its seed fixes: a wait on one of its futures advances the simulated device and the
 * agents until the future is done (TigerBeetle's simulator drives its replicas the same way).
 */
public interface StoreRuntime {
    /** Wall-clock time in epoch milliseconds (expiry times). */
    long currentTimeMillis();

    /** A monotonic time in nanoseconds (intervals). */
    long nanoTime();

    /** A new incomplete future; waiting on it must let this runtime's agents and device progress. */
    <T> CompletableFuture<T> newFuture();

    /** Starts running {@code agent} until the returned handle stops it. */
    Running run(String name, Agent agent);

    /** A running agent. */
    interface Running {
        /** Stops the agent once it has nothing left to do (a journal writes what is pending first), and waits for that. */
        void stop();
    }

    /** The system clock, plain futures, and a daemon thread per agent. */
    StoreRuntime SYSTEM = new StoreRuntime() {
        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public <T> CompletableFuture<T> newFuture() {
            return new CompletableFuture<>();
        }

        @Override
        public Running run(String name, Agent agent) {
            return new AgentThread(name, agent);
        }
    };
}
