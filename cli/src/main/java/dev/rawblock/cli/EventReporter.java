package dev.rawblock.cli;

import dev.rawblock.server.ServerStats;
import dev.rawblock.store.MirrorStats;
import dev.rawblock.store.StoreEvents;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What happens between "ready" and "stopping", in {@code serve}'s log: evictions, dropped corrupt
 * entries, puts that found no space, checkpoint and journal failures (the store's
 * {@link StoreEvents}), and the server's limits hit (connections refused at --max-connections,
 * values refused, broken protocol, failed AUTH). The store only counts; a thread of this class
 * looks every second and writes at most one line per kind every {@value #QUIET_SECONDS} s, each
 * saying how many happened since the last, so a burst is one line, not thousands.
 */
final class EventReporter implements StoreEvents, AutoCloseable {
    static final long QUIET_SECONDS = 10;

    /** One kind of event: a growing total, and the line that reports some of them. */
    private record Kind(ServeLog.Level level, LongSupplier total, Line line) {}

    @FunctionalInterface
    private interface Line {
        String of(long count, long seconds);
    }

    private final ServeLog log;
    private final LongAdder evictions = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private final LongAdder noSpace = new LongAdder();
    private final LongAdder checkpointFailures = new LongAdder();
    private final LongAdder journalFailures = new LongAdder();
    private final AtomicReference<Throwable> checkpointCause = new AtomicReference<>();
    private final AtomicReference<Throwable> journalCause = new AtomicReference<>();
    private final List<Kind> kinds = new ArrayList<>();
    private long[] reported = new long[0];
    private long[] lastLine = new long[0];
    /** Per kind, when unreported events were first seen (a tick, so up to a second late), 0 if none are. */
    private long[] firstSeen = new long[0];
    private volatile Thread thread;

    EventReporter(ServeLog log) {
        this.log = log;
        kind(ServeLog.Level.INFO, evictions::sum, (n, s) -> "evicted " + n + " entries in " + s + " s to make room "
                + "for new values (the store is full; INFO rawblock: evictions)");
        kind(ServeLog.Level.WARN, corrupt::sum, (n, s) -> "dropped " + n + " entries whose slot failed verification "
                + "in " + s + " s (they read as misses; run rawblock fsck after stopping to check the device)");
        kind(ServeLog.Level.WARN, noSpace::sum, (n, s) -> n + " values found no space in " + s + " s (nothing "
                + "left to evict: --eviction none, or every entry pinned)");
        kind(ServeLog.Level.ERROR, checkpointFailures::sum, (n, s) -> n + " checkpoints failed in " + s + " s ("
                + Main.describe(checkpointCause.get()) + "); the journal still holds every change");
        kind(ServeLog.Level.ERROR, journalFailures::sum, (n, s) -> "the journal could not be written ("
                + Main.describe(journalCause.get()) + "): the store refuses changes from now on; nothing "
                + "acknowledged is lost, restart once the device is healthy");
    }

    /** Adds the server's limits to what is reported. */
    void watch(ServerStats server, int maxConnections) {
        kind(ServeLog.Level.WARN, server::refusedConnections, (n, s) -> "refused " + n + " connections in " + s
                + " s: " + maxConnections + " were open (--max-connections)");
        kind(ServeLog.Level.WARN, server::failedPuts, (n, s) -> n + " values could not be stored in " + s + " s "
                + "(over --max-value-size, no room in --memory-budget within --request-wait, or no space)");
        kind(ServeLog.Level.INFO, server::protocolErrors, (n, s) -> "closed " + n + " connections in " + s
                + " s whose input broke the protocol");
        kind(ServeLog.Level.WARN, server::authFailures, (n, s) -> n + " failed AUTH attempts in " + s + " s");
    }

    /**
     * Adds a mirror's changes of state: a member failing (the set serves from the other alone), and
     * a rebuild finishing. {@code mirror} is read on the reporter's thread, once a second (null
     * when it cannot be read).
     */
    void watch(Supplier<MirrorStats> mirror) {
        String[] state = {mirror.get().state()};
        long[] entered = new long[2]; // times the set became degraded, and healthy again
        LongSupplier transitions = () -> {
            MirrorStats m = mirror.get();
            String now = m == null ? state[0] : m.state(); // null: the store is offline or closing
            if (!now.equals(state[0])) {
                if (now.equals("degraded")) entered[0]++;
                if (now.equals("healthy")) entered[1]++;
                state[0] = now;
            }
            return entered[0] << 32 | entered[1];
        };
        kind(ServeLog.Level.ERROR, () -> transitions.getAsLong() >>> 32, (n, s) -> "mirror degraded: a member failed "
                + "(I/O errors); serving from the other alone (INFO rawblock: mirror_failed_member); to rebuild it, "
                + "start serve again with a replacement beside the other --path");
        kind(ServeLog.Level.INFO, () -> transitions.getAsLong() & 0xffffffffL, (n, s) -> "mirror healthy: the rebuild "
                + "finished, both members hold every value");
    }

    private synchronized void kind(ServeLog.Level level, LongSupplier total, Line line) {
        kinds.add(new Kind(level, total, line));
        reported = java.util.Arrays.copyOf(reported, kinds.size());
        lastLine = java.util.Arrays.copyOf(lastLine, kinds.size());
        firstSeen = java.util.Arrays.copyOf(firstSeen, kinds.size());
        reported[kinds.size() - 1] = total.getAsLong();
        lastLine[kinds.size() - 1] = System.nanoTime() - TimeUnit.SECONDS.toNanos(QUIET_SECONDS);
    }

    /** Starts looking, once a second. */
    void start() {
        thread = Thread.ofPlatform().daemon().name("rawblock-events").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                report(false);
            }
        });
    }

    /** Writes the lines that are due; with {@code all}, every kind with something unreported (at stop). */
    synchronized void report(boolean all) {
        long now = System.nanoTime();
        for (int i = 0; i < kinds.size(); i++) {
            Kind k = kinds.get(i);
            long total = k.total().getAsLong();
            long count = total - reported[i];
            if (count <= 0) continue;
            if (firstSeen[i] == 0) firstSeen[i] = now - TimeUnit.SECONDS.toNanos(1);
            if (!all && now - lastLine[i] < TimeUnit.SECONDS.toNanos(QUIET_SECONDS)) continue;
            long seconds = Math.max(1, (now - firstSeen[i] + 999_999_999) / 1_000_000_000);
            log.log(k.level(), k.line().of(count, seconds));
            reported[i] = total;
            lastLine[i] = now;
            firstSeen[i] = 0;
        }
    }

    @Override
    public void evicted() {
        evictions.increment();
    }

    @Override
    public void corruptDropped(int entries) {
        corrupt.add(entries);
    }

    @Override
    public void outOfSpace() {
        noSpace.increment();
    }

    @Override
    public void checkpointFailed(Throwable cause) {
        checkpointCause.set(cause);
        checkpointFailures.increment();
    }

    @Override
    public void journalFailed(Throwable cause) {
        journalCause.set(cause);
        journalFailures.increment();
    }

    /** Stops looking and reports what is left. */
    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        report(true);
    }
}
