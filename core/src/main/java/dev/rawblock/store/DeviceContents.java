package dev.rawblock.store;

import dev.rawblock.device.ContentProbe;

/**
 * What a device holds, as {@link StoreFormat#identify} tells it: what {@code format} checks
 * before it writes (it writes only over {@link State#EMPTY} unless forced) and what {@code serve}
 * checks before it opens.
 *
 * @param state    the verdict
 * @param phrase   what follows the path in a message: "holds a rawblock store (id ...)",
 *                 "holds an ext4 filesystem (label "x")", "is all zero", ...
 * @param store    the superblock of an intact store (also a truncated one), else null
 * @param finding  what the content probe found when the device holds no store, else null
 */
public record DeviceContents(State state, String phrase, Superblock store, ContentProbe.Finding finding) {
    /** What kind of thing is there. */
    public enum State {
        /** Nothing but zeros (for a block device: where it was read). */
        EMPTY,
        /**
         * What a format stopped before its superblock leaves: the empty checkpoint it writes first,
         * and zeros where the superblock goes. No store ever opened on it, so nothing is lost.
         */
        UNFINISHED_FORMAT,
        /** A rawblock store this version opens. */
        STORE,
        /** A rawblock store whose device is now smaller than its capacity (a file cut short). */
        TRUNCATED_STORE,
        /** One member of a store over several devices (a {@code MemberHeader} is there). */
        MEMBER,
        /** The superblock magic is there, but no copy is valid (checksum, version). */
        DAMAGED_STORE,
        /** A filesystem, volume, partition table or other data. */
        OTHER
    }

    /** Nothing would be lost by formatting it. */
    public boolean empty() {
        return state == State.EMPTY || state == State.UNFINISHED_FORMAT;
    }
}
