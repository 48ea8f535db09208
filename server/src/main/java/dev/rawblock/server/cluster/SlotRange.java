package dev.rawblock.server.cluster;

/** Slots {@code start..end}, both included, as CLUSTER SLOTS and CLUSTER NODES show them. */
public record SlotRange(int start, int end) {
    public SlotRange {
        if (start < 0 || end >= KeySlot.SLOTS || start > end) {
            throw new IllegalArgumentException("slot range " + start + "-" + end + " is not within 0-"
                    + (KeySlot.SLOTS - 1));
        }
    }

    /** As CLUSTER NODES writes it: {@code 5461-10922}, or {@code 42} for a single slot. */
    @Override
    public String toString() {
        return start == end ? Integer.toString(start) : start + "-" + end;
    }
}
