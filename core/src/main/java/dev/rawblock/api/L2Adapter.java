package dev.rawblock.api;

import dev.rawblock.store.PutResult;
import dev.rawblock.store.Store;
import dev.rawblock.store.StoreStats;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The asynchronous task API LMCache's multi-process controller drives (its L2 adapter contract),
 * on a {@link Store}.
 *
 * <p><b>Tasks.</b> {@code submit*} queues a task and returns its id, from one counter shared by
 * every kind, with the result also as a future. Results can be polled instead:
 * {@link #popCompletedStores()}, {@link #lookupResult} and {@link #loadResult} hand each result out
 * exactly once. A task that throws completes with a failed result (a store result of
 * {@code (false, 0)}, an empty bitmap); it is never lost.
 *
 * <p><b>Executors.</b> Stores, lookups and loads run on separate pools of platform threads with
 * bounded queues: when a queue is full, the submitter waits (backpressure) instead of the adapter
 * growing without bound. {@link #submitUnlock} runs on the caller's thread and never fails.
 *
 * <p><b>Listeners</b> hear about keys stored, accessed (loaded) and deleted, with value sizes. A
 * new listener is first told every key already stored, as LMCache's adapter announces recovered
 * keys at start-up (this reads each slot's header once).
 *
 * <p>Thread-safe: several controller threads may submit at once.
 */
public final class L2Adapter implements AutoCloseable {
    /** Result of a store task: whether every key is stored, and the bytes newly written. */
    public record StoreResult(boolean success, long bytesTransferred) {}

    /** A submitted task: its id, and its result when it completes. */
    public record Task<T>(long id, CompletableFuture<T> result) {}

    /** Told about key events; called on the adapter's threads, so it must be quick and thread-safe. */
    public interface Listener {
        default void stored(List<byte[]> keys, long[] sizes) {}

        default void accessed(List<byte[]> keys, long[] sizes) {}

        default void deleted(List<byte[]> keys, long[] sizes) {}
    }

    /**
     * @param storeThreads  threads running store tasks
     * @param lookupThreads threads running lookup-and-lock tasks
     * @param loadThreads   threads running load tasks
     * @param queueCapacity tasks that may wait per kind before submitters block
     */
    public record Options(int storeThreads, int lookupThreads, int loadThreads, int queueCapacity) {
        public Options {
            if (storeThreads < 1 || lookupThreads < 1 || loadThreads < 1 || queueCapacity < 1) {
                throw new IllegalArgumentException("threads and queue capacity must be >= 1: " + this);
            }
        }

        /** The reference's pools: 2 store, 1 lookup, 4 load threads; 1024 queued tasks per kind. */
        public static Options defaults() {
            return new Options(2, 1, 4, 1024);
        }
    }

    /** {@link #reportStatus()}: health, task counts, and the store's stats. */
    public record Status(boolean healthy, long tasksInFlight, long tasksCompleted, StoreStats store) {}

    private static final long CLOSE_WAIT_SECONDS = 30;

    private final Store store;
    private final ThreadPoolExecutor stores, lookups, loads;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final Map<Long, StoreResult> storeResults = new ConcurrentHashMap<>();
    private final Map<Long, BitSet> lookupResults = new ConcurrentHashMap<>();
    private final Map<Long, BitSet> loadResults = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /** Set when close gives up waiting: tasks still queued then complete as failed without running. */
    private volatile boolean abandoned;
    private volatile boolean healthy = true;

    public L2Adapter(Store store, Options options) {
        this.store = Objects.requireNonNull(store, "store");
        this.stores = pool("rawblock-l2-store", options.storeThreads(), options.queueCapacity());
        this.lookups = pool("rawblock-l2-lookup", options.lookupThreads(), options.queueCapacity());
        this.loads = pool("rawblock-l2-load", options.loadThreads(), options.queueCapacity());
    }

    private static ThreadPoolExecutor pool(String name, int threads, int capacity) {
        AtomicInteger n = new AtomicInteger();
        // A full queue makes the submitter wait: backpressure rather than unbounded memory.
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(capacity),
                r -> Thread.ofPlatform().daemon().name(name + "-" + n.getAndIncrement()).unstarted(r),
                (r, executor) -> {
                    if (executor.isShutdown()) throw new RejectedExecutionException("the adapter is closed");
                    try {
                        executor.getQueue().put(r);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new RejectedExecutionException("interrupted while waiting for queue space", e);
                    }
                });
    }

    /** Tells {@code listener} every key already stored (in groups), then registers it for events. */
    public void addListener(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        List<byte[]> keys = new java.util.ArrayList<>();
        List<Long> sizes = new java.util.ArrayList<>();
        store.forEachKey((key, length) -> {
            keys.add(key);
            sizes.add(length);
            if (keys.size() == ANNOUNCE_GROUP) announce(listener, keys, sizes);
        });
        if (!keys.isEmpty()) announce(listener, keys, sizes);
        listeners.add(listener);
    }

    private static final int ANNOUNCE_GROUP = 1024;

    private static void announce(Listener listener, List<byte[]> keys, List<Long> sizes) {
        listener.stored(List.copyOf(keys), sizes.stream().mapToLong(Long::longValue).toArray());
        keys.clear();
        sizes.clear();
    }

    /** Stores values under keys; the task succeeds only if every key is stored afterwards. */
    public Task<StoreResult> submitStore(List<byte[]> keys, List<MemorySegment> values) {
        List<byte[]> k = List.copyOf(keys);
        List<MemorySegment> v = List.copyOf(values);
        return submit(stores, storeResults, new StoreResult(false, 0), () -> {
            PutResult[] r = store.putMany(k, v);
            boolean all = true;
            long bytes = 0;
            List<byte[]> fresh = new java.util.ArrayList<>();
            List<Long> sizes = new java.util.ArrayList<>();
            for (int i = 0; i < r.length; i++) {
                all &= r[i].stored();
                if (r[i] == PutResult.STORED) {
                    bytes += v.get(i).byteSize();
                    fresh.add(k.get(i));
                    sizes.add(v.get(i).byteSize());
                }
            }
            if (!fresh.isEmpty()) {
                long[] s = sizes.stream().mapToLong(Long::longValue).toArray();
                for (Listener l : listeners) l.stored(fresh, s);
            }
            return new StoreResult(all, bytes);
        });
    }

    /** Looks keys up and pins the hits until {@link #submitUnlock}; the result has a bit per hit. */
    public Task<BitSet> submitLookupAndLock(List<byte[]> keys) {
        List<byte[]> k = List.copyOf(keys);
        return submit(lookups, lookupResults, new BitSet(), () -> bits(store.existsMany(k, true)));
    }

    /** Loads keys into caller-owned destinations; the result has a bit per key loaded. */
    public Task<BitSet> submitLoad(List<byte[]> keys, List<MemorySegment> destinations) {
        List<byte[]> k = List.copyOf(keys);
        List<MemorySegment> d = List.copyOf(destinations);
        return submit(loads, loadResults, new BitSet(), () -> {
            long[] n = store.loadMany(k, d);
            BitSet hit = new BitSet(n.length);
            List<byte[]> accessed = new java.util.ArrayList<>();
            List<Long> sizes = new java.util.ArrayList<>();
            for (int i = 0; i < n.length; i++) {
                if (n[i] >= 0) {
                    hit.set(i);
                    accessed.add(k.get(i));
                    sizes.add(n[i]);
                }
            }
            if (!accessed.isEmpty()) {
                long[] s = sizes.stream().mapToLong(Long::longValue).toArray();
                for (Listener l : listeners) l.accessed(accessed, s);
            }
            return hit;
        });
    }

    /** Releases the pins of a lookup; fire-and-forget, never fails (absent or unpinned keys are ignored). */
    public void submitUnlock(List<byte[]> keys) {
        try {
            store.unlock(keys);
        } catch (RuntimeException e) {
            healthy = false; // a closed or offline store: nothing left to unlock
        }
    }

    /** Deletes keys (pinned ones are kept); returns, per key, whether it was deleted. */
    public boolean[] delete(List<byte[]> keys) {
        long[] lengths = store.lengths(keys); // a stored key's value cannot change until it is deleted
        boolean[] deleted = store.deleteMany(keys, false);
        List<byte[]> gone = new java.util.ArrayList<>();
        List<Long> sizes = new java.util.ArrayList<>();
        for (int i = 0; i < deleted.length; i++) {
            if (!deleted[i]) continue;
            gone.add(keys.get(i));
            sizes.add(Math.max(0, lengths[i]));
        }
        if (!gone.isEmpty()) {
            long[] s = sizes.stream().mapToLong(Long::longValue).toArray();
            for (Listener l : listeners) l.deleted(gone, s);
        }
        return deleted;
    }

    /** Store results completed since the last call, by task id; each is handed out once. */
    public Map<Long, StoreResult> popCompletedStores() {
        Map<Long, StoreResult> out = new HashMap<>();
        for (Long id : List.copyOf(storeResults.keySet())) {
            StoreResult r = storeResults.remove(id);
            if (r != null) out.put(id, r);
        }
        return out;
    }

    /** The result of a lookup task if it completed and was not handed out before, else null. */
    public BitSet lookupResult(long id) {
        return lookupResults.remove(id);
    }

    /** The result of a load task if it completed and was not handed out before, else null. */
    public BitSet loadResult(long id) {
        return loadResults.remove(id);
    }

    public Status reportStatus() {
        StoreStats stats = null;
        try {
            stats = store.stats();
        } catch (RuntimeException e) {
            healthy = false;
        }
        return new Status(healthy && !closed, inFlight.get(), completed.get(), stats);
    }

    private <T> Task<T> submit(ThreadPoolExecutor pool, Map<Long, T> results, T failed, Supplier<T> work) {
        long id = ids.incrementAndGet();
        CompletableFuture<T> future = new CompletableFuture<>();
        if (closed) {
            finish(id, results, future, failed);
            return new Task<>(id, future);
        }
        inFlight.incrementAndGet();
        Runnable task = () -> {
            T result;
            try {
                result = abandoned ? failed : work.get();
            } catch (RuntimeException e) {
                result = failed; // an exception is a failed result, never a lost task
            }
            inFlight.decrementAndGet();
            finish(id, results, future, result);
        };
        try {
            pool.execute(task);
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            finish(id, results, future, failed);
        }
        return new Task<>(id, future);
    }

    private <T> void finish(long id, Map<Long, T> results, CompletableFuture<T> future, T result) {
        results.put(id, result);
        completed.incrementAndGet();
        future.complete(result);
    }

    /**
     * Stops taking tasks, lets queued and running ones finish (for at most 30 s), and fails what is
     * still queued after that. Never hangs. The store stays open: it is the caller's.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (ThreadPoolExecutor pool : List.of(stores, lookups, loads)) pool.shutdown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        for (ThreadPoolExecutor pool : List.of(stores, lookups, loads)) {
            try {
                if (!pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    abandoned = true;
                    for (Runnable r : pool.shutdownNow()) r.run(); // completes each queued task as failed
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pool.shutdownNow();
            }
        }
    }

    private static BitSet bits(boolean[] flags) {
        BitSet b = new BitSet(flags.length);
        for (int i = 0; i < flags.length; i++) if (flags[i]) b.set(i);
        return b;
    }
}
