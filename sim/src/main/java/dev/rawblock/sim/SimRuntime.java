package dev.rawblock.sim;

import dev.rawblock.store.Agent;
import dev.rawblock.store.StoreRuntime;
import dev.rawblock.testkit.device.SimulatedDevice;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StoreRuntime} in which one thread does everything: the store's background agents run
 * as steps of a loop, the clock is the loop's tick count, and a wait on any future of the store
 * or of the {@link SimulatedDevice} runs steps until the future is done. So a whole store, device
 * completions included, runs in an order that only the seed decides, and a failing seed replays
 * exactly.
 *
 * <p>A step advances time by one tick, lets the device complete what is due, then gives every
 * agent that is not already running (a step can run inside an agent's own wait) one
 * {@link Agent#doWork}. When the step count reaches the crash point the machine stops: the
 * device decides what reached the media and fails everything in flight, and that step throws
 * {@link Crash}. The code of the dead store may still unwind (its handlers run, its I/O fails);
 * nothing it does reaches the media any more.
 */
final class SimRuntime implements StoreRuntime {
    /** Simulated time per tick. */
    static final long TICK_NANOS = 100_000;
    /** Steps without any progress after which a wait is declared stuck (a bug: nothing can complete it). */
    private static final long STUCK_STEPS = 2_000_000;
    /** After a crash, a wait that goes on this long is cut short: a dead machine's code is unwinding. */
    private static final long DEAD_STEPS = 10_000;

    private final long epochMillis;
    private final Map<Agent, Boolean> agents = new IdentityHashMap<>(); // value: running now
    private final List<Agent> order = new ArrayList<>();
    private List<SimulatedDevice> devices = List.of();
    private long ticks;
    private long crashAt = Long.MAX_VALUE;
    private boolean crashed;

    SimRuntime(long epochMillis) {
        this.epochMillis = epochMillis;
    }

    /**
     * The devices whose completions the steps drive (they must make their futures with
     * {@link #newFuture}): one, or the members of a store over several, which crash together.
     */
    void attach(List<SimulatedDevice> devices) {
        this.devices = List.copyOf(devices);
    }

    /** Crash once {@code steps} more steps have run (Long.MAX_VALUE: never). */
    void crashAfter(long steps) {
        crashAt = steps == Long.MAX_VALUE ? Long.MAX_VALUE : ticks + steps;
    }

    /** Whether a crash point is set and not reached yet. */
    boolean armed() {
        return crashAt != Long.MAX_VALUE && !crashed;
    }

    boolean crashed() {
        return crashed;
    }

    /** After a crash: a new machine boots (no agents, nothing crashed), the clock goes on. */
    void reboot() {
        agents.clear();
        order.clear();
        devices = List.of();
        crashed = false;
        crashAt = Long.MAX_VALUE;
    }

    long ticks() {
        return ticks;
    }

    /** One step: a tick of time, the device's due completions, one doWork of each idle agent. */
    void step() {
        if (!crashed && ticks >= crashAt) {
            crashed = true;
            for (SimulatedDevice d : devices) d.crash();
            throw new Crash();
        }
        ticks++;
        for (SimulatedDevice d : devices) d.tick();
        for (Agent a : List.copyOf(order)) {
            Boolean running = agents.get(a);
            if (running == null || running) continue;
            agents.put(a, true);
            try {
                a.doWork();
            } finally {
                if (agents.containsKey(a)) agents.put(a, false);
            }
        }
    }

    /** Runs steps until {@code f} is done. */
    void await(CompletableFuture<?> f) {
        long start = ticks;
        while (!f.isDone()) {
            step();
            if (crashed && ticks - start > DEAD_STEPS) throw new Crash();
            if (ticks - start > STUCK_STEPS) {
                throw new AssertionError("a wait made no progress in " + STUCK_STEPS + " steps (nothing can complete it)");
            }
        }
    }

    @Override
    public long currentTimeMillis() {
        return epochMillis + nanoTime() / 1_000_000;
    }

    @Override
    public long nanoTime() {
        return ticks * TICK_NANOS;
    }

    @Override
    public <T> CompletableFuture<T> newFuture() {
        return new Driven<>();
    }

    @Override
    public Running run(String name, Agent agent) {
        agents.put(agent, false);
        order.add(agent);
        return () -> {
            // As a thread would: what the agent has left to do now is done before it stops.
            if (!crashed) {
                agents.put(agent, true);
                try {
                    while (agent.doWork() > 0) { /* drain */ }
                } finally {
                    agents.remove(agent);
                    order.remove(agent);
                }
            }
        };
    }

    /** A future whose waits run the loop; the stages built on it are such futures too. */
    final class Driven<T> extends CompletableFuture<T> {
        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new Driven<>();
        }

        @Override
        public T join() {
            await(this);
            return super.join();
        }

        @Override
        public T get() throws InterruptedException, ExecutionException {
            await(this);
            return super.get();
        }

        @Override
        public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException {
            await(this);
            return super.get();
        }
    }
}
