package dev.rawblock.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the server since start (the store keeps its own, see {@code StoreStats}). */
public final class ServerStats {
    private final long startNanos = System.nanoTime();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final LongAdder acceptedConnections = new LongAdder();
    private final LongAdder refusedConnections = new LongAdder();
    private final LongAdder idleClosed = new LongAdder();
    private final LongAdder commands = new LongAdder();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder authFailures = new LongAdder();
    private final LongAdder failedPuts = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final RequestStats requests = new RequestStats();

    void connectionOpened() {
        acceptedConnections.increment();
        openConnections.incrementAndGet();
    }

    void connectionClosed() {
        openConnections.decrementAndGet();
    }

    void connectionRefused() {
        refusedConnections.increment();
    }

    void idleClose() {
        idleClosed.increment();
    }

    public void command() {
        commands.increment();
    }

    public void protocolError() {
        protocolErrors.increment();
    }

    public void authFailure() {
        authFailures.increment();
    }

    public void failedPut() {
        failedPuts.increment();
    }

    void missed(long n) {
        misses.add(n);
    }

    void received(long n) {
        bytesIn.add(n);
    }

    void sent(long n) {
        bytesOut.add(n);
    }

    public long uptimeSeconds() {
        return (System.nanoTime() - startNanos) / 1_000_000_000L;
    }

    public int openConnections() {
        return openConnections.get();
    }

    public long acceptedConnections() {
        return acceptedConnections.sum();
    }

    /** Connections turned away because max-connections were open. */
    public long refusedConnections() {
        return refusedConnections.sum();
    }

    /** Connections closed by the idle timeout. */
    public long idleClosed() {
        return idleClosed.sum();
    }

    /** Requests executed, over both protocols. */
    public long commands() {
        return commands.sum();
    }

    /** Connections closed because their input broke the protocol. */
    public long protocolErrors() {
        return protocolErrors.sum();
    }

    public long authFailures() {
        return authFailures.sum();
    }

    /** Values a client sent that could not be stored (lm:// PUTs, which have no reply, are counted here). */
    public long failedPuts() {
        return failedPuts.sum();
    }

    /** Keys a GET (either protocol) asked for and did not find. */
    public long misses() {
        return misses.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Service times and value bytes per operation. */
    public RequestStats requests() {
        return requests;
    }
}
