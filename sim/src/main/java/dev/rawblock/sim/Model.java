package dev.rawblock.sim;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a simulation may observe for each key: the set of versions a read may return (0 for
 * absent). An acknowledged put or delete makes it a single version; an operation a crash
 * interrupted, or a failure, adds what it might have left; an observation narrows it to what
 * was seen, since the store's state is now that.
 */
final class Model {
    static final long ABSENT = 0;

    private final Map<Integer, Set<Long>> allowed = new HashMap<>();
    /**
     * Versions the store removed on its own (evicted, or dropped when a read failed its check)
     * before that removal was durable: a crash may bring them back, and that is no loss of safety.
     */
    private final Map<Integer, Set<Long>> ghosts = new HashMap<>();
    /** Versions of each key that an acknowledged delete removed: seeing one again is a resurrection. */
    private final Map<Integer, Set<Long>> deleted = new HashMap<>();

    Set<Long> allowed(int key) {
        return allowed.computeIfAbsent(key, k -> new HashSet<>(Set.of(ABSENT)));
    }

    /** Acknowledged: the key holds exactly this version now. */
    void is(int key, long version) {
        Set<Long> a = allowed(key);
        if (version == ABSENT) deleted.computeIfAbsent(key, k -> new HashSet<>()).addAll(a);
        a.clear();
        a.add(version);
        ghosts.remove(key);
        if (version != ABSENT) {
            Set<Long> d = deleted.get(key);
            if (d != null) d.remove(version);
        }
    }

    /** Not acknowledged (in flight at a crash, or failed): the key may also hold this now. */
    void mayBe(int key, long version) {
        allowed(key).add(version);
    }

    /** An eviction may have removed any key. */
    void mayAllBeAbsent(int keys) {
        for (int k = 0; k < keys; k++) mayBe(k, ABSENT);
    }

    /** What a read of the key showed: the store is in that state now. */
    void observed(int key, long version) {
        Set<Long> a = allowed(key);
        a.clear();
        a.add(version);
    }

    /** A miss that the store's own removal may explain: the versions the key held may return after a crash. */
    void observedRemoval(int key) {
        Set<Long> a = allowed(key);
        Set<Long> g = ghosts.computeIfAbsent(key, k -> new HashSet<>());
        g.addAll(a);
        g.remove(ABSENT);
        a.clear();
        a.add(ABSENT);
    }

    /** After a crash: what the store removed on its own and had not made durable may be back. */
    void crashed() {
        ghosts.forEach((key, versions) -> allowed(key).addAll(versions));
    }

    boolean wasDeleted(int key, long version) {
        Set<Long> d = deleted.get(key);
        return d != null && d.contains(version);
    }
}
