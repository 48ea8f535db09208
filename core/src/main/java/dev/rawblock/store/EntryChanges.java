package dev.rawblock.store;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The journaled changes of entries other than puts: deletes, expiry times, and clearing the
 * store. Each returns once its change is durable (acknowledged means durable), and throws if the
 * journal failed.
 */
final class EntryChanges {
    private final Catalog catalog;
    private final Journal journal;
    private final StoreRuntime runtime;
    private final Health health;
    /** One clear at a time. */
    private final ReentrantLock clears = new ReentrantLock();

    EntryChanges(Catalog catalog, Journal journal, StoreRuntime runtime, Health health) {
        this.catalog = catalog;
        this.health = health;
        this.journal = journal;
        this.runtime = runtime;
    }

    /**
     * Deletes each key (true when it was stored, or being written, and is gone); a pinned key
     * stays unless {@code force}; a key being written is canceled.
     */
    boolean[] delete(List<byte[]> keys, boolean force) {
        boolean[] deleted = new boolean[keys.size()];
        long ticket = 0;
        long nowMillis = runtime.currentTimeMillis();
        KeyIndex index = catalog.index;
        catalog.lock();
        try {
            for (int i = 0; i < keys.size(); i++) {
                Fingerprint fp = Fingerprint.of(keys.get(i));
                long pos = index.find(fp);
                if (pos < 0) continue;
                switch (index.state(pos)) {
                    case KeyIndex.WRITING -> {
                        index.setState(pos, KeyIndex.CANCELED);
                        deleted[i] = true;
                    }
                    case KeyIndex.REPLACING -> {
                        if (index.pins(pos) > 0 && !force) continue;
                        catalog.cancelReplacement(fp, pos, true);
                        ticket = catalog.lastDeleteTicket;
                        deleted[i] = true;
                    }
                    case KeyIndex.STORED -> {
                        if (index.expired(pos, nowMillis)) { // gone already: not deleted by this call
                            catalog.reap(pos);
                        } else {
                            if (index.pins(pos) > 0 && !force) continue;
                            catalog.delete(pos);
                            deleted[i] = true;
                        }
                        ticket = catalog.lastDeleteTicket;
                    }
                    default -> { } // already canceled
                }
            }
        } finally {
            catalog.unlock();
        }
        // Acknowledged means durable: a delete that returned true stays deleted after a crash.
        health.requireDurable(ticket);
        return deleted;
    }

    /**
     * Sets each key's expiry time; a time already past deletes the key. Per key, its time before,
     * or {@link Store#MISS}.
     */
    long[] expire(List<byte[]> keys, long[] expiresAt) {
        long[] before = new long[keys.size()];
        long ticket = 0;
        long nowMillis = runtime.currentTimeMillis();
        catalog.lock();
        try {
            for (int i = 0; i < keys.size(); i++) {
                Fingerprint fp = Fingerprint.of(keys.get(i));
                long pos = catalog.find(fp, nowMillis);
                if (pos < 0) {
                    before[i] = Store.MISS;
                    continue;
                }
                before[i] = catalog.index.expiresAt(pos);
                if (expiresAt[i] != 0 && expiresAt[i] <= nowMillis) {
                    if (catalog.reap(pos)) ticket = catalog.lastDeleteTicket;
                    continue;
                }
                if (before[i] == expiresAt[i]) continue;
                catalog.setExpiry(pos, expiresAt[i]);
                ticket = journal.append(Change.expire(fp, expiresAt[i]));
            }
        } finally {
            catalog.unlock();
        }
        health.requireDurable(ticket);
        return before;
    }

    /**
     * Clears the store (see {@link Store#clear}): a CLEAR and a new generation in one short hold,
     * then the regions swept one hold each. Returns the entries removed.
     */
    long clear() {
        clears.lock();
        try {
            long ticket;
            catalog.lock();
            try {
                catalog.generation++;
                catalog.clearing = true;
                ticket = catalog.lastDeleteTicket = journal.append(Change.clear());
            } finally {
                catalog.unlock();
            }
            long removed = 0;
            for (int r = 0; r < catalog.space.regionCount(); r++) {
                catalog.lock();
                try {
                    removed += catalog.clearRegion(catalog.space.region(r));
                } finally {
                    catalog.unlock();
                }
            }
            catalog.lock();
            try {
                catalog.clearing = false;
                assert catalog.checkInvariants();
            } finally {
                catalog.unlock();
            }
            health.requireDurable(ticket);
            return removed;
        } finally {
            clears.unlock();
        }
    }
}
