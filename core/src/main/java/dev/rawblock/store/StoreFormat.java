package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.ContentProbe;
import dev.rawblock.device.Geometry;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;
import dev.rawblock.device.DeviceSet;
import dev.rawblock.device.MemberHeader;
import dev.rawblock.device.MirrorDevice;
import dev.rawblock.device.SpanDevice;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Lays out and writes a new store ({@link #format}), reads and checks the superblock of an
 * existing one ({@link #read}), and tells what a device holds before anything writes to it
 * ({@link #identify}). See {@link Superblock} for the layout.
 */
public final class StoreFormat {
    private StoreFormat() {}

    static final long MIB = 1 << 20;

    /** Computes the geometry for a device of {@code deviceSize} bytes with I/O alignment {@code alignment}. */
    public static Superblock plan(long deviceSize, int alignment, FormatOptions options) throws IOException {
        return plan(deviceSize, alignment, options, Superblock.VERSION);
    }

    /** As {@link #plan(long, int, FormatOptions)} in format {@code version} (tests of older stores use 1). */
    static Superblock plan(long deviceSize, int alignment, FormatOptions options, int version) throws IOException {
        int block = Math.max(Superblock.MIN_BLOCK_BYTES, alignment);
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
        long metaBytes = 2 * MetadataLayout.copyBytes(block, maxEntries, MetadataLayout.entryBytes(version))
                + MetadataLayout.journalBytes(capacity);
        long metaEnd = metaOffset + metaBytes;
        long regionBase = roundUp(metaEnd, MIB);
        long dataBytes = capacity - regionBase;
        // The header table (version 3) takes at most one block per MiB of data, and its MiB rounding.
        long tableBound = version >= 3 ? dataBytes / SlotLayout.LARGE_SLOT_BYTES * block + MIB : 0;
        long regionBytes = options.regionBytes() != 0 ? options.regionBytes() : autoRegionBytes(dataBytes - tableBound);
        long regionCount = dataBytes > 0 ? dataBytes / regionBytes : 0;
        long headerTableBytes = 0;
        if (version >= 3) {
            // The header table of the large slots goes before the regions (see SlotLayout): sized for the
            // regions there would be without it, it may leave room for one region fewer.
            long perRegion = SlotLayout.headersPerRegion(regionBytes) * block;
            regionBase = roundUp(metaEnd + regionCount * perRegion, MIB);
            dataBytes = capacity - regionBase;
            regionCount = dataBytes > 0 ? dataBytes / regionBytes : 0;
            headerTableBytes = regionCount * perRegion;
        }
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
                regionBase, metaOffset, metaBytes, maxEntries, System.currentTimeMillis(), version,
                version >= 3 ? metaEnd : 0, headerTableBytes);
    }

    /**
     * 256 MiB, more when the device needs more than the region limit, less when it would have fewer
     * than 8. KV chunks are 1–80 MiB and often a power of two: a slot of 1 MiB or more holds
     * exactly its value (its header is in the header table, see {@link SlotLayout}), so a 256 MiB
     * region holds eight 32 MiB chunks, and an 80 MiB chunk needs a region of 128 MiB or more
     * (stores from 2 GiB up have one).
     */
    static long autoRegionBytes(long dataBytes) {
        long bytes = 256 * MIB;
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
        return format(device, options, PlacementPolicy.AUTO, Superblock.VERSION);
    }

    /**
     * As {@link #format(BlockDevice, FormatOptions)}, with the format's writes (all metadata) on
     * the metadata handle of {@code placement}: give it the policy the store will be served with,
     * so that the superblock, which lives as long as the store, shares that handle.
     *
     * @throws IllegalArgumentException when the policy names a handle the device does not have
     */
    public static Superblock format(BlockDevice device, FormatOptions options, PlacementPolicy placement)
            throws IOException {
        return format(device, options, placement, Superblock.VERSION);
    }

    /** As {@link #format(BlockDevice, FormatOptions)} in format {@code version} (tests of older stores use 1). */
    static Superblock format(BlockDevice device, FormatOptions options, int version) throws IOException {
        return format(device, options, PlacementPolicy.AUTO, version);
    }

    private static Superblock format(BlockDevice device, FormatOptions options, PlacementPolicy policy, int version)
            throws IOException {
        // First: a policy the device cannot apply is refused before anything is written.
        Placement placement = Placement.of(device, policy);
        Superblock sb = plan(device.size(), device.alignment(), options, version);
        write(device, sb, placement);
        return sb;
    }

    /**
     * The geometry of a store spread over {@code members} devices of at least {@code memberBytes}
     * each (see {@link SpanDevice}): its regions are the span's stripes, round-robin over the
     * members, and its superblock and metadata the span's head, on member 0. The capacity of
     * {@code options}, when given, is per member. The metadata is sized for the whole store.
     */
    public static Superblock planSpan(int members, long memberBytes, int alignment, FormatOptions options)
            throws IOException {
        if (members < 2) throw new IllegalArgumentException("a span needs at least 2 members, got " + members);
        long perMember = options.capacity() == 0 ? memberBytes : options.capacity();
        if (perMember > memberBytes) {
            throw new IOException("capacity " + perMember + " is larger than the smallest member (" + memberBytes + " bytes)");
        }
        long share = perMember - MemberHeader.DATA_OFFSET;
        if (share < MIB) throw new IOException("a member of " + perMember + " bytes is too small to hold a share of a store");
        // As if one device held every member's share: that sizes the metadata and picks the region size.
        Superblock whole = plan((long) members * share, alignment, new FormatOptions(0, options.regionBytes(),
                options.maxEntries()));
        long regionBytes = whole.regionBytes();
        long perMemberRegions = (share - whole.regionBase()) / regionBytes;
        if (perMemberRegions < 1) {
            throw new IOException("members of " + perMember + " bytes leave no room for a region of " + regionBytes
                    + " bytes after " + whole.regionBase() + " bytes of superblock and metadata");
        }
        // Every member keeps room for the head: the capacity is the head and whole rounds of regions.
        // Less capacity needs no more metadata, so each plan's head is at most the last one's; a
        // head that shrank leaves room for more regions, which the next plan takes in whole rounds
        // (one region per member). The capacity only falls, so this settles within a few plans.
        long capacity = whole.regionBase() + members * perMemberRegions * regionBytes;
        for (int plans = 1; ; plans++) {
            Superblock sb = plan(capacity, alignment, new FormatOptions(capacity, regionBytes, whole.maxEntries()));
            long stripes = (capacity - sb.regionBase()) / regionBytes / members * members;
            long fitted = sb.regionBase() + stripes * regionBytes;
            if (fitted == capacity && sb.regionCount() == stripes) {
                assert SpanDevice.memberBytes(members, 0, capacity, sb.regionBase(), regionBytes) <= perMember : sb;
                return sb;
            }
            if (plans == 8) throw new IllegalStateException("no span geometry settles for " + members + " x " + perMember);
            capacity = fitted;
        }
    }

    /**
     * Formats a store over {@code devices} (in this order, at least two): writes every member's
     * header, then the store on the span as {@link #format} does; returns the span, open, which owns
     * the devices (when it fails, they stay the caller's to close). What they held is overwritten:
     * the caller has checked each may be.
     */
    public static SpanDevice formatSpan(List<BlockDevice> devices, FormatOptions options, PlacementPolicy policy)
            throws IOException {
        long smallest = Long.MAX_VALUE;
        int alignment = 1;
        for (BlockDevice d : devices) {
            smallest = Math.min(smallest, d.size());
            alignment = Math.max(alignment, d.alignment());
        }
        Superblock sb = planSpan(devices.size(), smallest, alignment, options);
        SpanDevice span = SpanDevice.format(devices, sb.capacity(), sb.regionBase(), sb.regionBytes(), sb.blockBytes(),
                sb.storeIdHi(), sb.storeIdLo());
        write(span, sb, Placement.of(span, policy));
        return span;
    }

    /**
     * Formats a store on a mirror of {@code two} devices (in this order): both member headers and
     * write-intent bitmaps, then the store on the mirror as {@link #format} does; returns the
     * mirror, open, which owns the devices (when the store's format fails, the mirror is closed,
     * and with it the devices: its sweeper must stop). The capacity of {@code options}, when given,
     * is what the store uses of the mirror's logical size. What they held is overwritten: the
     * caller has checked each may be.
     */
    public static MirrorDevice formatMirror(List<BlockDevice> two, FormatOptions options, PlacementPolicy policy)
            throws IOException {
        if (two.size() != 2) throw new IllegalArgumentException("a mirror has 2 members, got " + two.size());
        int block = Math.max(MirrorDevice.DEFAULT_BLOCK_BYTES, Math.max(two.get(0).alignment(), two.get(1).alignment()));
        long setBytes = (Math.min(two.get(0).size(), two.get(1).size()) - MemberHeader.DATA_OFFSET) / block * block;
        Superblock sb = plan(setBytes, block, options); // first: a geometry that does not fit writes nothing
        MirrorDevice mirror = MirrorDevice.format(two, MirrorDevice.DEFAULT_ZONE_BYTES, block, sb.storeIdHi(), sb.storeIdLo());
        try {
            write(mirror, sb, Placement.of(mirror, policy));
        } catch (IOException | RuntimeException e) {
            mirror.close();
            throw e;
        }
        return mirror;
    }

    /**
     * Opens the set whose members {@code devices} are (in any order) as one device: a span or a
     * mirror, as their headers say. It owns them once it is open. A device that is no member is
     * named with what it holds instead.
     *
     * @throws IOException one line naming a device and why the devices are not exactly one set's members
     */
    public static BlockDevice openSet(List<BlockDevice> devices) throws IOException {
        return openSet(devices, false);
    }

    /**
     * As {@link #openSet(List)}; with {@code rebuild}, a mirror of two devices where one is a
     * member and the other is new (a file just created, or all zero) or out of date (the member's
     * newer header says it failed) is opened with that other device being rebuilt online from the
     * member ({@code MirrorDevice.replace}). For a server: an operator replaces a failed drive and
     * starts it again with both paths.
     */
    public static BlockDevice openSet(List<BlockDevice> devices, boolean rebuild) throws IOException {
        if (rebuild && devices.size() == 2) {
            for (int i = 0; i < 2; i++) {
                BlockDevice member = devices.get(i), other = devices.get(1 - i);
                MemberHeader h = DeviceSet.read(member);
                if (h == null || h.layout() != MemberHeader.Layout.MIRROR || (h.failedMask() & 1 << h.index()) != 0) continue;
                MemberHeader o = DeviceSet.read(other);
                boolean fresh = o == null && (other.created() || identify(other).empty());
                boolean stale = o != null && o.sameSet(h) && o.index() != h.index() && h.generation() >= o.generation()
                        && (h.failedMask() & 1 << o.index()) != 0;
                if (fresh || stale) return MirrorDevice.replace(member, other);
            }
        }
        for (BlockDevice d : devices) {
            DeviceContents found = identify(d);
            if (found.state() != DeviceContents.State.MEMBER) {
                throw new IOException(d.path() + " is not a member of a rawblock store over several devices: it "
                        + found.phrase());
            }
        }
        MemberHeader first = DeviceSet.read(devices.getFirst());
        return first.layout() == MemberHeader.Layout.MIRROR ? MirrorDevice.open(devices) : SpanDevice.open(devices);
    }

    /** Writes the store {@code sb} lays out: an empty checkpoint, then both superblock copies; flushes. */
    private static void write(BlockDevice device, Superblock sb, Placement placement) throws IOException {
        int block = sb.blockBytes();
        IoTracker io = new IoTracker(device, placement, sb.regionBase());
        try (Checkpoint.Writer empty = new Checkpoint.Writer(device, io, MetadataLayout.of(sb), block, 1)) {
            for (int r = 0; r < sb.regionCount(); r++) empty.region(0);
            empty.finish(1, 0, 0, sb.regionCount(), sb.storeIdLo());
        }
        try (IoBuffer buf = device.buffers().allocate((long) Superblock.COPIES * block)) {
            for (int i = 0; i < Superblock.COPIES; i++) sb.encode(buf.segment().asSlice((long) i * block, block));
            await(io.submit(List.of(IoOp.write(0, buf.segment()))).getFirst(), "write the superblock of " + device.path());
            await(device.flush(), "flush " + device.path());
        }
    }

    /**
     * Reads the superblock and checks it against the device.
     *
     * @throws IOException naming the device and what is wrong: not formatted (all zero), not a
     *                     rawblock store (and what it holds instead), corrupt, another format
     *                     version, or a device smaller than the store
     */
    public static Superblock read(BlockDevice device) throws IOException {
        int block = blockBytes(device);
        if (device.size() < (long) Superblock.COPIES * block) {
            throw new IOException(device.path() + " is too small to hold a rawblock store (" + device.size() + " bytes)");
        }
        DeviceContents found = identify(device);
        Path path = device.path();
        return switch (found.state()) {
            case STORE -> check(device, found.store());
            case TRUNCATED_STORE -> throw new IOException(path + " has " + device.size()
                    + " bytes but the store formatted on it has " + found.store().capacity()
                    + ": refusing to open a truncated or different device" + restoreHint(device, found.store()));
            case DAMAGED_STORE -> throw new IOException(path + " " + found.phrase());
            case MEMBER -> throw new IOException(path + " " + found.phrase() + ": give every member, each with --path"
                    + (DeviceSet.read(device).layout() == MemberHeader.Layout.MIRROR
                    ? " (to serve without its partner: serve --degraded with this one, or a new device in the partner's"
                    + " place, which serve rebuilds)" : ""));
            case EMPTY, UNFINISHED_FORMAT -> throw new IOException(path + " is not formatted: it " + found.phrase()
                    + " (run: rawblock format --path " + path + ")");
            case OTHER -> throw new IOException(path + " is not a rawblock store: it " + found.phrase());
        };
    }

    /**
     * What the device holds: a rawblock store (intact, truncated or damaged, from the superblock
     * copies), else what {@link ContentProbe} finds (a filesystem or other signature, non-zero
     * data, or all zero). Only reads.
     */
    public static DeviceContents identify(BlockDevice device) throws IOException {
        int block = blockBytes(device);
        int copies = (int) Math.min(Superblock.COPIES, device.size() / block);
        if (copies > 0) {
            try (IoBuffer buf = device.buffers().allocate((long) copies * block)) {
                await(device.submit(List.of(IoOp.read(0, buf.segment()))).getFirst(), "read the superblock of " + device.path());
                MemorySegment first = buf.segment().asSlice(0, block);
                if (MemberHeader.hasMagic(first)) {
                    String problem = MemberHeader.problem(first);
                    if (problem != null) {
                        return new DeviceContents(DeviceContents.State.DAMAGED_STORE, "holds a damaged member of a "
                                + "rawblock store (" + problem + ")", null, null);
                    }
                    MemberHeader h = MemberHeader.decode(first);
                    return new DeviceContents(DeviceContents.State.MEMBER, "is " + h.describe() + " of the "
                            + h.layout().name().toLowerCase() + " rawblock store " + h.setId(), null, null);
                }
                String damage = null;
                for (int i = 0; i < copies; i++) {
                    MemorySegment copy = buf.segment().asSlice((long) i * block, block);
                    String problem = Superblock.problem(copy);
                    if (problem == null) {
                        Superblock sb = Superblock.decode(copy);
                        if (device.size() < sb.capacity()) {
                            return new DeviceContents(DeviceContents.State.TRUNCATED_STORE, "holds a rawblock store (id "
                                    + sb.storeId() + ") of " + sb.capacity() + " bytes but has only " + device.size()
                                    + " bytes now", sb, null);
                        }
                        return new DeviceContents(DeviceContents.State.STORE, "holds a rawblock store (id " + sb.storeId()
                                + ")", sb, null);
                    }
                    if (damage == null && Superblock.hasMagic(copy)) damage = problem;
                }
                if (damage != null) {
                    return new DeviceContents(DeviceContents.State.DAMAGED_STORE, "holds a damaged rawblock store ("
                            + damage + ")", null, null);
                }
                if (copies == Superblock.COPIES && isZero(buf.segment()) && unfinishedFormat(device, block)) {
                    return new DeviceContents(DeviceContents.State.UNFINISHED_FORMAT, "holds an unfinished rawblock "
                            + "format (its first checkpoint, but no superblock)", null, null);
                }
            }
        }
        ContentProbe.Finding finding = ContentProbe.probe(device);
        return new DeviceContents(finding.zero() ? DeviceContents.State.EMPTY : DeviceContents.State.OTHER,
                finding.phrase(), null, finding);
    }

    private static boolean isZero(MemorySegment bytes) {
        return bytes.mismatch(MemorySegment.ofArray(new byte[(int) bytes.byteSize()])) == -1;
    }

    /**
     * Whether the block after the superblock copies starts a checkpoint: {@link #format} writes
     * the empty checkpoint there before the superblock, so that is what a format killed in
     * between leaves (with zeros before it).
     */
    private static boolean unfinishedFormat(BlockDevice device, int block) throws IOException {
        long at = (long) Superblock.COPIES * block;
        if (device.size() < at + block) return false;
        try (IoBuffer buf = device.buffers().allocate(block)) {
            await(device.submit(List.of(IoOp.read(at, buf.segment()))).getFirst(), "read " + device.path());
            return buf.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0) == Checkpoint.MAGIC;
        }
    }

    /** For a file that lost its tail: how to give it back its size (the store then opens again). */
    public static String restoreHint(BlockDevice device, Superblock sb) {
        return device.geometry().kind() == Geometry.Kind.FILE
                ? " (restore its size with: truncate -s " + sb.capacity() + " " + device.path() + ")" : "";
    }

    private static int blockBytes(BlockDevice device) {
        return Math.max(Superblock.MIN_BLOCK_BYTES, device.alignment());
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
        if (sb.hasHeaderTable() && (sb.headerTable() < sb.metaOffset() + sb.metaBytes()
                || sb.headerTable() + sb.headerTableBytes() > sb.regionBase()
                || sb.headerTableBytes() < sb.regionCount() * SlotLayout.headersPerRegion(sb.regionBytes()) * sb.blockBytes())) {
            throw new IOException(device.path() + ": superblock's header table does not fit its geometry");
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
