package dev.rawblock.store;

/**
 * Hears how far recovery has come while a store opens, for a progress display. Called from the
 * opening thread, every {@link #EVERY} items and at the end of each phase.
 */
@FunctionalInterface
public interface RecoveryProgress {
    /** Items between reports. */
    int EVERY = 1 << 16;

    /** Reports nothing. */
    RecoveryProgress NONE = (phase, done, total) -> { };

    /** The phases, in order. */
    enum Phase {
        /** Entries read from the newest checkpoint; the total is known. */
        LOADING_CHECKPOINT("loading checkpoint", "entries"),
        /** Journal changes replayed on top of it; the total is not known until the end (-1). */
        REPLAYING_JOURNAL("replaying journal", "changes"),
        /** Headers of the slots the journal named, read and checked; the total is known. */
        CHECKING_SLOTS("checking slots", "slots");

        private final String label;
        private final String unit;

        Phase(String label, String unit) {
            this.label = label;
            this.unit = unit;
        }

        public String label() {
            return label;
        }

        public String unit() {
            return unit;
        }
    }

    /**
     * @param done  items done in this phase
     * @param total items in this phase, or -1 while unknown
     */
    void report(Phase phase, long done, long total);
}
