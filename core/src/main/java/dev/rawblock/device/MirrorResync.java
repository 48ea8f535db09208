package dev.rawblock.device;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Brings the members of a {@link MirrorDevice} back into agreement when it opens, and writes the
 * empty bitmap of a new member. Blocking: it runs before the set serves anything.
 *
 * <p>After a crash, a zone whose bit is set on either member may differ between them (a write of
 * it reached one member, or neither, or both in part); every other zone is equal, because its bit
 * was durable before any write into it was issued and was cleared only after those writes were
 * flushed on both. So the resync copies exactly the union of the marked zones, from member 0 to
 * member 1 (either copy is right: only writes never acknowledged as flushed can differ), flushes
 * member 1, and only then clears the bits, durably: a crash during the resync resyncs again.
 */
final class MirrorResync {
    private MirrorResync() {}

    /**
     * What a resync copied, and one of the members' futures: the set makes its own from it, so that
     * they are of the members' type (a simulated member's futures drive the simulation when joined).
     */
    record Result(long bytes, int zones, CompletableFuture<?> memberFuture) {}

    /**
     * @param readable the up-to-date members, whose bitmaps count
     * @param copy     whether both are up to date (else the marks are only cleared: the out-of-date
     *                 member is rebuilt whole, never resynced)
     */
    static Result run(DeviceSet.Members set, int[] readable, boolean copy, IntentBitmap bits) throws IOException {
        BitSet marked = new BitSet();
        CompletableFuture<?> memberFuture = null;
        for (int m : readable) memberFuture = read(set.devices().get(m), bits, marked);
        if (marked.isEmpty()) return new Result(0, 0, memberFuture);
        long bytes = 0;
        if (copy) {
            BlockDevice from = set.devices().get(0), to = set.devices().get(1);
            for (int z = marked.nextSetBit(0); z >= 0; z = marked.nextSetBit(z + 1)) {
                DeviceSet.await(ZoneCopy.copy(from, to, MemberHeader.DATA_OFFSET + bits.zoneStart(z), bits.zoneLength(z)),
                        "resync zone " + z + " of mirror " + set.first().setId() + " from " + from.path() + " to " + to.path());
                bytes += bits.zoneLength(z);
            }
            DeviceSet.await(to.flush(), "flush " + to.path() + " after its resync");
        }
        int[] blocks = bits.blocksOf(marked).stream().toArray();
        for (int m : readable) {
            BlockDevice d = set.devices().get(m);
            write(d, bits, blocks, "clear the intent bitmap of " + d.path());
            DeviceSet.await(d.flush(), "flush " + d.path());
        }
        return new Result(bytes, copy ? marked.cardinality() : 0, memberFuture);
    }

    /** Writes every block of an empty bitmap on {@code d} (not flushed: the header write that follows flushes). */
    static void zeroBitmap(BlockDevice d, IntentBitmap empty) throws IOException {
        int[] all = new int[empty.blocks()];
        for (int b = 0; b < all.length; b++) all[b] = b;
        write(d, empty, all, "zero the intent bitmap of " + d.path());
    }

    /** Adds the bits {@code d} holds to {@code into}; returns the (completed) read's future. */
    private static CompletableFuture<Void> read(BlockDevice d, IntentBitmap bits, BitSet into) throws IOException {
        int n = bits.blocks();
        try (IoBuffer buf = d.buffers().allocate((long) n * bits.blockBytes())) {
            CompletableFuture<Void> read = d.submit(List.of(IoOp.read(bits.blockOffset(0), buf.segment()))).getFirst();
            DeviceSet.await(read, "read the intent bitmap of " + d.path());
            for (int b = 0; b < n; b++) bits.decode(b, bits.image(buf.segment(), b), into);
            return read;
        }
    }

    /** Writes {@code blocks} as {@code bits} wants them (zeros: nothing is wanted at open). */
    private static void write(BlockDevice d, IntentBitmap bits, int[] blocks, String what) throws IOException {
        try (IoBuffer buf = d.buffers().allocate((long) blocks.length * bits.blockBytes())) {
            for (CompletableFuture<Void> f : d.submit(bits.encodeWrites(blocks, buf.segment()))) DeviceSet.await(f, what);
        }
    }
}
