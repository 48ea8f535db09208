package dev.rawblock.server.resp;

import dev.rawblock.store.Eviction;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * What the RESP connections of one server share besides the store: the list of open clients
 * ({@code CLIENT LIST}), the error replies sent ({@code INFO errorstats}), and the identifiers
 * {@code INFO} reports.
 */
public final class RespState {
    private final RespClients clients = new RespClients();
    private final ErrorStats errors = new ErrorStats();
    private final String runId = randomId();
    private final String replicationId = randomId();
    private volatile Eviction eviction = Eviction.LRU;

    /** Redis's 40 hex digits, new at every start: tools that see it change know the server restarted. */
    private static String randomId() {
        byte[] b = new byte[20];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Tells INFO and CONFIG GET what the store does when it is full ({@code maxmemory-policy}).
     * The store does not say (its options are its own), so whoever opened it does; LRU, the
     * store's default, until then.
     */
    public void eviction(Eviction policy) {
        this.eviction = policy;
    }

    Eviction eviction() {
        return eviction;
    }

    RespClients clients() {
        return clients;
    }

    ErrorStats errors() {
        return errors;
    }

    /** {@code run_id}: this server process's start. */
    String runId() {
        return runId;
    }

    /** {@code master_replid}: the history a replica would follow (there are none, but clients read it). */
    String replicationId() {
        return replicationId;
    }
}
