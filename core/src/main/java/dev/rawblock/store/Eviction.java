package dev.rawblock.store;

/** What a put does when its size class is full. */
public enum Eviction {
    /**
     * Evict an approximately least-recently-used entry (default). The store samples
     * {@value Store#EVICTION_SAMPLES} entries of the class and evicts the one whose last put or load
     * is oldest (the approximation Redis uses for allkeys-lru). Pinned entries and entries being
     * written are never evicted. A class with no region takes over the coldest region of another
     * class, evicting what it holds.
     */
    LRU,
    /** Never evict: a put that finds no space fails for that key (callers that delete themselves). */
    NONE;

    /** Parses {@code lru} or {@code none}. */
    public static Eviction parse(String text) {
        for (Eviction e : values()) if (e.name().equalsIgnoreCase(text)) return e;
        throw new IllegalArgumentException("unknown eviction policy '" + text + "' (expected lru or none)");
    }
}
