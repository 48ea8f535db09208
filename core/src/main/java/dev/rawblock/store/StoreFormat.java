package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Lays out and writes a new store ({@link #format}), and reads and checks the superblock of an
 * existing one ({@link #read}). See {@link Superblock} for the layout.
 */
public final class StoreFormat {
    private StoreFormat() {}

    static final long MIB = 1 << 20;

    /** Computes the geometry for a device of {@code deviceSize} bytes with I/O alignment {@code alignment}. */
    public static Superblock plan(long deviceSize, int alignment, FormatOptions options) throws IOException {
        int block = Math.max(4096, alignment);
        long capacity = options.capacity() == 0 ? deviceSize : options.capacity();
        if (capacity > deviceSize) {
            throw new IOException("capacity " + capacity + " is larger than the device (" + deviceSize + " bytes)");
        }
        capacity = capacity / block * block;
        // By default the checkpoint area has room for the worst case, one entry per block (a value
        // that fits in its header block), so space, never an entry count, is what bounds a store.
        long maxEntries = options.maxEntries() != 0 ? options.maxEntries()
                : Math.clamp(capacity / block, 1024, FormatOptions.MAX_ENTRIES);
        long metaOffset = (long) Superblock.COPIES * block;
        long metaBytes = 2 * MetadataLayout.copyBytes(block, maxEntries) + MetadataLayout.journalBytes(capacity);
        long regionBase = roundUp(metaOffset + metaBytes, MIB);
        long dataBytes = capacity - regionBase;
        long regionBytes = options.regionBytes() != 0 ? options.regionBytes() : autoRegionBytes(dataBytes);
        long regionCount = dataBytes > 0 ? dataBytes / regionBytes : 0;
        if (regionCount < 1) {
            throw new IOException("device too small: " + capacity + " bytes leave no room for one region of "
                    + regionBytes + " bytes after " + regionBase + " bytes of superblock and metadata");
        }
        if (regionCount > Space.MAX_REGIONS) {
            throw new IOException(regionCount + " regions of " + regionBytes + " bytes exceed the limit of "
                    + Space.MAX_REGIONS + "; choose a larger region size");
        }
        SecureRandom random = new SecureRandom();
        return new Superblock(random.nextLong(), random.nextLong(), block, capacity, regionBytes, (int) regionCount,
                regionBase, metaOffset, metaBytes, maxEntries, System.currentTimeMillis());
    }

    /** 64 MiB, more when the device needs more than the region limit, less when it would have fewer than 8. */
    static long autoRegionBytes(long dataBytes) {
        long bytes = 64 * MIB;
        while (bytes < (1L << 30) && dataBytes / bytes > Space.MAX_REGIONS) bytes <<= 1;
        while (bytes > MIB && dataBytes / bytes < 8) bytes >>= 1;
        return bytes;
    }

    private static long roundUp(long v, long unit) {
        return (v + unit - 1) / unit * unit;
    }

    /**
     * Formats the device: writes an empty checkpoint, then both superblock copies, and flushes.
     * Whatever was stored before is gone: slots, checkpoints and journal blocks of an earlier store
     * carry its id and never match the new one.
     */
    public static Superblock format(BlockDevice device, FormatOptions options) throws IOException {
        Superblock sb = plan(device.size(), device.alignment(), options);
        int block = sb.blockBytes();
        try (Checkpoint.Writer empty = new Checkpoint.Writer(device, new IoTracker(device), MetadataLayout.of(sb), block, 1)) {
            for (int r = 0; r < sb.regionCount(); r++) empty.region(0);
            empty.finish(1, 0, 0, sb.regionCount(), sb.storeIdLo());
        }
        try (IoBuffer buf = device.buffers().allocate((long) Superblock.COPIES * block)) {
            for (int i = 0; i < Superblock.COPIES; i++) sb.encode(buf.segment().asSlice((long) i * block, block));
            await(device.submit(List.of(IoOp.write(0, buf.segment()))).getFirst(), "write the superblock of " + device.path());
            await(device.flush(), "flush " + device.path());
        }
        return sb;
    }

    /**
     * Reads the superblock and checks it against the device.
     *
     * @throws IOException naming the device and what is wrong: not formatted, not a rawblock store,
     *                     corrupt, another format version, or a device smaller than the store
     */
    public static Superblock read(BlockDevice device) throws IOException {
        int block = Math.max(4096, device.alignment());
        if (device.size() < (long) Superblock.COPIES * block) {
            throw new IOException(device.path() + " is too small to hold a rawblock store (" + device.size() + " bytes)");
        }
        try (IoBuffer buf = device.buffers().allocate((long) Superblock.COPIES * block)) {
            await(device.submit(List.of(IoOp.read(0, buf.segment()))).getFirst(), "read the superblock of " + device.path());
            String first = null;
            for (int i = 0; i < Superblock.COPIES; i++) {
                var copy = buf.segment().asSlice((long) i * block, block);
                String problem = Superblock.problem(copy);
                if (problem == null) return check(device, Superblock.decode(copy));
                if (first == null) first = problem;
            }
            throw new IOException(device.path() + ": " + first
                    + (first.startsWith("not formatted") ? " (run: rawblock format --path " + device.path() + ")" : ""));
        }
    }

    private static Superblock check(BlockDevice device, Superblock sb) throws IOException {
        if (device.size() < sb.capacity()) {
            throw new IOException(device.path() + " has " + device.size() + " bytes but the store formatted on it has "
                    + sb.capacity() + ": refusing to open a truncated or different device");
        }
        if (sb.blockBytes() % device.alignment() != 0) {
            throw new IOException(device.path() + " needs " + device.alignment() + "-byte alignment but the store uses "
                    + sb.blockBytes() + "-byte blocks");
        }
        if (sb.regionBase() + (long) sb.regionCount() * sb.regionBytes() > sb.capacity()) {
            throw new IOException(device.path() + ": superblock geometry does not fit its capacity");
        }
        return sb;
    }

    static void await(java.util.concurrent.CompletableFuture<Void> f, String what) throws IOException {
        try {
            f.join();
        } catch (CompletionException e) {
            throw new IOException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
