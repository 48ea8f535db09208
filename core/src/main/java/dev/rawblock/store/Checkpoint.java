package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.List;
import java.util.zip.CRC32C;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * A compact binary image of the index: two copies in the metadata area ({@link MetadataLayout}),
 * written alternately, each with a sequence number and checksums, so that a torn or corrupt copy
 * falls back to the other.
 *
 * <pre>
 * header block (little-endian):
 *   0  magic          u64  "RBCKPT01"
 *   8  header crc     u32  CRC32C of bytes 12..79
 *  12  version        u32  2 (1 in stores of format version 1: 24-byte entries, no expiry)
 *  16  seq            u64  checkpoint number (+1 each)
 *  24  journal from   u64  logical journal position replay starts at
 *  32  entries        u64
 *  40  payload bytes  u64
 *  48  payload crc    u32  CRC32C of the payload
 *  52  regions        u32
 *  56  store id       u64
 *  64  max seq        u64  largest slot write sequence number issued
 *  72  created        u64  epoch milliseconds
 * payload, from the next block:
 *   regions x u64      slot size of each region (0: free)
 *   entries x 32 B     fp hi u64, fp lo u64, slot id u32, length u32, expires u64 (epoch ms, 0 = never)
 * </pre>
 *
 * The payload is written and flushed before the header, so a header never vouches for a payload
 * that is not on the device.
 */
final class Checkpoint {
    static final long MAGIC = 0x313054504b434252L; // "RBCKPT01" as little-endian bytes

    private static final int CHUNK = 4 << 20;

    private Checkpoint() {}

    /** Longs per entry of an {@link Image}: fp hi, fp lo, slot id << 32 | length, expires. */
    static final int PACKED = 4;

    /**
     * A checkpoint as read back: entries packed {@value #PACKED} longs each (fingerprint hi and lo,
     * slot << 32 | length, expiry), in the index's order rather than the order they were written.
     */
    record Image(long seq, long journalFrom, long maxSeq, long[] regionSlotBytes, long[] entries) {
        int entryCount() {
            return entries.length / PACKED;
        }
    }

    /** The header's version: what its entries hold (see the class comment). */
    private static int version(int entryBytes) {
        return entryBytes == MetadataLayout.V1_ENTRY_BYTES ? 1 : 2;
    }

    /** Streams a checkpoint into one copy: regions first, then entries, then {@link #finish}. */
    static final class Writer implements AutoCloseable {
        private final BlockDevice device;
        private final IoTracker io;
        private final long copyOffset;
        private final long copyBytes;
        private final int block;
        private final int entryBytes;
        private final IoBuffer buffer;
        private final CRC32C crc = new CRC32C();
        private long written;   // payload bytes written to the device
        private int used;       // payload bytes in the buffer
        private long entries;

        Writer(BlockDevice device, IoTracker io, MetadataLayout layout, int block, long seq) {
            this.device = device;
            this.io = io;
            this.copyOffset = seq % 2 == 1 ? layout.checkpointA() : layout.checkpointB();
            this.copyBytes = layout.copyBytes();
            this.block = block;
            this.entryBytes = layout.entryBytes();
            this.buffer = device.buffers().allocate(CHUNK);
        }

        void region(long slotBytes) throws IOException {
            room(MetadataLayout.REGION_BYTES);
            buffer.segment().set(JAVA_LONG_UNALIGNED, used, slotBytes);
            used += MetadataLayout.REGION_BYTES;
        }

        /** An entry; {@code expiresAt} must be 0 in a store of format version 1 (it has no room for it). */
        void entry(long fpHi, long fpLo, int slotId, long length, long expiresAt) throws IOException {
            room(entryBytes);
            MemorySegment s = buffer.segment();
            s.set(JAVA_LONG_UNALIGNED, used, fpHi);
            s.set(JAVA_LONG_UNALIGNED, used + 8, fpLo);
            s.set(JAVA_INT_UNALIGNED, used + 16, slotId);
            s.set(JAVA_INT_UNALIGNED, used + 20, (int) length);
            if (entryBytes == MetadataLayout.ENTRY_BYTES) s.set(JAVA_LONG_UNALIGNED, used + 24, expiresAt);
            else if (expiresAt != 0) throw new IllegalStateException("a format version 1 store keeps no expiry times");
            used += entryBytes;
            entries++;
        }

        private void room(int bytes) throws IOException {
            if (used + bytes > CHUNK) drain(false);
            if (block + written + used + bytes > copyBytes) {
                throw new IOException("checkpoint does not fit its " + copyBytes + "-byte copy");
            }
        }

        /**
         * Writes the buffered payload: whole blocks only, keeping the remainder, except for the
         * last drain, which pads to a block.
         */
        private void drain(boolean last) throws IOException {
            int whole = last ? (used + block - 1) / block * block : used / block * block;
            if (whole == 0) return;
            MemorySegment s = buffer.segment();
            int data = Math.min(used, whole);
            crc.update(s.asSlice(0, data).asByteBuffer());
            if (whole > used) s.asSlice(used, whole - used).fill((byte) 0);
            StoreFormat.await(io.submit(List.of(IoOp.write(copyOffset + block + written, s.asSlice(0, whole))))
                    .getFirst(), "write a checkpoint");
            written += data;
            used -= data;
            if (used > 0) MemorySegment.copy(s, data, s, 0, used);
        }

        /** Flushes the payload, then writes and flushes the header. */
        void finish(long seq, long journalFrom, long maxSeq, int regions, long storeId) throws IOException {
            drain(true);
            StoreFormat.await(io.flush(), "flush a checkpoint");
            MemorySegment h = buffer.segment().asSlice(0, block);
            h.fill((byte) 0);
            h.set(JAVA_LONG_UNALIGNED, 0, MAGIC);
            h.set(JAVA_INT_UNALIGNED, 12, version(entryBytes));
            h.set(JAVA_LONG_UNALIGNED, 16, seq);
            h.set(JAVA_LONG_UNALIGNED, 24, journalFrom);
            h.set(JAVA_LONG_UNALIGNED, 32, entries);
            h.set(JAVA_LONG_UNALIGNED, 40, written);
            h.set(JAVA_INT_UNALIGNED, 48, (int) crc.getValue());
            h.set(JAVA_INT_UNALIGNED, 52, regions);
            h.set(JAVA_LONG_UNALIGNED, 56, storeId);
            h.set(JAVA_LONG_UNALIGNED, 64, maxSeq);
            h.set(JAVA_LONG_UNALIGNED, 72, System.currentTimeMillis());
            h.set(JAVA_INT_UNALIGNED, 8, SlotHeader.crc(h.asSlice(12, 80 - 12)));
            StoreFormat.await(io.submit(List.of(IoOp.write(copyOffset, h))).getFirst(), "write a checkpoint header");
            StoreFormat.await(io.flush(), "flush a checkpoint header");
        }

        long entries() {
            return entries;
        }

        /** Payload bytes (regions and entries). */
        long payloadBytes() {
            return written + used;
        }

        @Override
        public void close() {
            buffer.close();
        }
    }

    /**
     * Reads the newest valid copy.
     *
     * @return the image, or null when neither copy is valid; {@code problems} gets why each copy was refused
     */
    static Image read(BlockDevice device, MetadataLayout layout, int block, long storeId, List<String> problems)
            throws IOException {
        Image best = null;
        for (long offset : new long[] {layout.checkpointA(), layout.checkpointB()}) {
            String name = offset == layout.checkpointA() ? "checkpoint copy A" : "checkpoint copy B";
            // A copy that fails its checks is read once more: a fault in transit is not a damaged copy.
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    Image image = readCopy(device, offset, layout.copyBytes(), layout.entryBytes(), block, storeId);
                    if (best == null || image.seq > best.seq) best = image;
                    break;
                } catch (CorruptCopy e) {
                    if (e.blank) break; // not a problem: nothing was ever written there
                    if (attempt == 1) problems.add(name + ": " + e.getMessage());
                }
            }
        }
        return best;
    }

    private static final class CorruptCopy extends Exception {
        /** Whether the copy was never written (all zero): a store's second copy until its second checkpoint. */
        final boolean blank;

        CorruptCopy(String message) {
            this(message, false);
        }

        CorruptCopy(String message, boolean blank) {
            super(message);
            this.blank = blank;
        }
    }

    private static Image readCopy(BlockDevice device, long offset, long copyBytes, int entryBytes, int block,
                                  long storeId)
            throws IOException, CorruptCopy {
        try (IoBuffer buf = device.buffers().allocate(CHUNK)) {
            MemorySegment h = buf.segment().asSlice(0, block);
            StoreFormat.await(device.submit(List.of(IoOp.read(offset, h))).getFirst(), "read a checkpoint");
            if (h.get(JAVA_LONG_UNALIGNED, 0) != MAGIC) {
                boolean blank = h.mismatch(MemorySegment.ofArray(new byte[block])) == -1;
                throw new CorruptCopy("no checkpoint (bad magic)", blank);
            }
            if (SlotHeader.crc(h.asSlice(12, 80 - 12)) != h.get(JAVA_INT_UNALIGNED, 8)) {
                throw new CorruptCopy("header checksum mismatch");
            }
            if (h.get(JAVA_INT_UNALIGNED, 12) != version(entryBytes)) throw new CorruptCopy("unsupported version");
            if (h.get(JAVA_LONG_UNALIGNED, 56) != storeId) throw new CorruptCopy("written by another store");
            long seq = h.get(JAVA_LONG_UNALIGNED, 16), from = h.get(JAVA_LONG_UNALIGNED, 24);
            long entries = h.get(JAVA_LONG_UNALIGNED, 32), payload = h.get(JAVA_LONG_UNALIGNED, 40);
            int crcWanted = h.get(JAVA_INT_UNALIGNED, 48), regions = h.get(JAVA_INT_UNALIGNED, 52);
            long maxSeq = h.get(JAVA_LONG_UNALIGNED, 64);
            if (regions < 0 || entries < 0 || payload != regions * 8L + entries * entryBytes
                    || block + payload > copyBytes || entries > Integer.MAX_VALUE / PACKED) {
                throw new CorruptCopy("inconsistent sizes");
            }
            // The whole payload in one aligned buffer, read in one submission of 4 MiB pieces.
            long padded = (payload + block - 1) / block * block;
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) { // engines' threads touch it
                MemorySegment data = arena.allocate(Math.max(padded, block), Math.max(block, 4096));
                List<IoOp> reads = new java.util.ArrayList<>();
                for (long at = 0; at < padded; at += CHUNK) {
                    reads.add(IoOp.read(offset + block + at, data.asSlice(at, Math.min(CHUNK, padded - at))));
                }
                for (var f : device.submit(reads)) StoreFormat.await(f, "read a checkpoint");
                CRC32C crc = new CRC32C();
                crc.update(data.asSlice(0, payload).asByteBuffer());
                if ((int) crc.getValue() != crcWanted) throw new CorruptCopy("payload checksum mismatch");
                long[] regionBytes = new long[regions];
                for (int r = 0; r < regions; r++) regionBytes[r] = data.get(JAVA_LONG_UNALIGNED, 8L * r);
                return new Image(seq, from, maxSeq, regionBytes,
                        inIndexOrder(data.asSlice(8L * regions), (int) entries, entryBytes));
            }
        }
    }

    /** Bits of the index hash that pick a bucket of {@link #inIndexOrder}. */
    static final int ORDER_BITS = 11;

    /**
     * Unpacks the entries, ordered by the top bits of their {@link KeyIndex#hash}. Inserted in the
     * order they were written, every entry would land on a random cell of an index of tens of MB:
     * a cache and TLB miss each, most of a clean open's time. In this order consecutive inserts fall
     * within a 1/2048th of the table, which stays in cache. A counting pass and a scatter into 2048
     * sequential streams cost far less than the misses they save. Stable: duplicates keep their order.
     */
    private static long[] inIndexOrder(MemorySegment entries, int count, int entryBytes) {
        long[] written = unpack(entries, count, entryBytes);
        int[] start = new int[(1 << ORDER_BITS) + 1];
        for (int k = 0; k < written.length; k += PACKED) start[bucket(written, k) + 1]++;
        for (int b = 1; b < start.length; b++) start[b] += start[b - 1];
        long[] packed = new long[written.length];
        for (int k = 0; k < written.length; k += PACKED) {
            int to = start[bucket(written, k)]++ * PACKED;
            for (int j = 0; j < PACKED; j++) packed[to + j] = written[k + j];
        }
        return packed;
    }

    /**
     * The entries packed, in the order written. Entries of today's format are copied in bulk and
     * worked on as an array: this runs once per open, mostly before the JIT has compiled it, where
     * an array access costs a fraction of a memory segment's.
     */
    private static long[] unpack(MemorySegment entries, int count, int entryBytes) {
        long[] packed = new long[count * PACKED];
        if (entryBytes == PACKED * Long.BYTES) {
            MemorySegment.copy(entries, JAVA_LONG_UNALIGNED, 0, packed, 0, packed.length);
            // The ints slot (+16) and length (+20) read as one long: on a little-endian machine the
            // slot is its low half, swapped here to slot << 32 | length.
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                for (int k = 2; k < packed.length; k += PACKED) packed[k] = Long.rotateLeft(packed[k], 32);
            }
            return packed;
        }
        for (long at = 0, k = 0; k < packed.length; at += entryBytes, k += PACKED) { // version 1: no expiry
            packed[(int) k] = entries.get(JAVA_LONG_UNALIGNED, at);
            packed[(int) k + 1] = entries.get(JAVA_LONG_UNALIGNED, at + 8);
            packed[(int) k + 2] = (long) entries.get(JAVA_INT_UNALIGNED, at + 16) << 32
                    | Integer.toUnsignedLong(entries.get(JAVA_INT_UNALIGNED, at + 20));
        }
        return packed;
    }

    private static int bucket(long[] packed, int k) {
        return (int) (KeyIndex.hash(packed[k], packed[k + 1]) >>> (Long.SIZE - ORDER_BITS));
    }
}
