package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads, checks and writes the {@link MemberHeader}s of a device set: the one place that decides
 * whether the devices given are exactly the members of one set.
 */
public final class DeviceSet {
    private DeviceSet() {}

    /** The members of a set in their places, with their headers (in the same order). */
    public record Members(List<BlockDevice> devices, List<MemberHeader> headers) {
        public MemberHeader first() {
            return headers.getFirst();
        }
    }

    /**
     * Reads the members' headers and puts the devices in their places.
     *
     * @param devices the members in any order
     * @param layout  the layout the caller opens them as
     * @throws IOException one line naming the device and the reason: no member header, a member
     *                     of another set or of another layout, a place given twice, or a member
     *                     missing
     */
    public static Members open(List<BlockDevice> devices, MemberHeader.Layout layout) throws IOException {
        if (devices.isEmpty()) throw new IllegalArgumentException("a device set needs a member");
        List<MemberHeader> given = new ArrayList<>();
        for (BlockDevice d : devices) {
            MemberHeader h = read(d);
            if (h == null) throw new IOException(d.path() + " is not a member of a device set: its first block holds no member header");
            given.add(h);
        }
        MemberHeader first = given.getFirst();
        Path firstPath = devices.getFirst().path();
        if (first.layout() != layout) {
            throw new IOException(firstPath + " is a member of a " + first.layout().name().toLowerCase()
                    + " set, not of a " + layout.name().toLowerCase());
        }
        BlockDevice[] placed = new BlockDevice[first.count()];
        MemberHeader[] headers = new MemberHeader[first.count()];
        for (int i = 0; i < devices.size(); i++) {
            MemberHeader h = given.get(i);
            BlockDevice d = devices.get(i);
            if (!h.sameSet(first)) {
                throw new IOException(d.path() + " is " + h.describe() + " of set " + h.setId()
                        + ", not a member of set " + first.setId() + " of " + firstPath);
            }
            if (h.index() >= placed.length) throw new IOException(d.path() + ": " + h.describe() + " is out of range");
            if (placed[h.index()] != null) {
                throw new IOException(placed[h.index()].path() + " and " + d.path() + " are both " + h.describe()
                        + " of set " + h.setId());
            }
            placed[h.index()] = d;
            headers[h.index()] = h;
        }
        for (int i = 0; i < placed.length; i++) {
            if (placed[i] == null) {
                throw new IOException("set " + first.setId() + " of " + firstPath + " has " + first.count()
                        + " members but " + devices.size() + " were given: member " + i + " is missing");
            }
        }
        return new Members(List.of(placed), List.of(headers));
    }

    /** The member header of {@code device}, or null when its first block holds none (or a damaged one). */
    public static MemberHeader read(BlockDevice device) throws IOException {
        int block = Math.max(4096, device.alignment());
        if (device.size() < block) return null;
        try (IoBuffer buf = device.buffers().allocate(block)) {
            await(device.submit(List.of(IoOp.read(0, buf.segment()))).getFirst(), "read the member header of " + device.path());
            return MemberHeader.problem(buf.segment()) == null ? MemberHeader.decode(buf.segment()) : null;
        }
    }

    /** Writes {@code header} to the first block of {@code device} (not flushed). */
    public static CompletableFuture<Void> write(BlockDevice device, MemberHeader header) {
        int block = Math.max(4096, device.alignment());
        IoBuffer buf = device.buffers().allocate(block);
        header.encode(buf.segment());
        return device.submit(List.of(IoOp.write(0, buf.segment()))).getFirst().whenComplete((v, e) -> buf.close());
    }

    /** Writes every member's header and flushes each member. */
    public static void writeAll(List<BlockDevice> devices, List<MemberHeader> headers) throws IOException {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) writes.add(write(devices.get(i), headers.get(i)));
        for (int i = 0; i < devices.size(); i++) await(writes.get(i), "write the member header of " + devices.get(i).path());
        for (BlockDevice d : devices) await(d.flush(), "flush " + d.path());
    }

    /**
     * The geometry of a set of {@code setBytes} logical bytes over {@code members}: the strictest
     * alignment and logical block of any member, the smallest max transfer, member 0's kind.
     */
    static Geometry geometry(List<BlockDevice> members, long setBytes) {
        int alignment = 1, logical = 1;
        long maxTransfer = Long.MAX_VALUE;
        for (BlockDevice m : members) {
            alignment = Math.max(alignment, m.alignment());
            logical = Math.max(logical, m.geometry().logicalBlockSize());
            maxTransfer = Math.min(maxTransfer, m.geometry().maxTransfer());
        }
        return new Geometry(members.getFirst().geometry().kind(), setBytes, logical, alignment, maxTransfer);
    }

    /**
     * Why {@code op} cannot run on a set of this geometry (its range or alignment), or null: the
     * members check the rest. The same messages as the engines give.
     */
    static String rangeProblem(IoOp op, Geometry geometry, Path path) {
        String where = " on " + path;
        if (op.length() == 0) return op + where + ": length is 0";
        if (op.offset() < 0) return op + where + ": offset is negative";
        if (op.offset() > geometry.size() - op.length()) {
            return op + where + " runs past the end of the device: it ends at " + (op.offset() + op.length())
                    + ", the device has " + geometry.size() + " bytes";
        }
        if (op.offset() % geometry.alignment() != 0 || op.length() % geometry.alignment() != 0) {
            return op + where + ": offset " + op.offset() + " and length " + op.length()
                    + " must be multiples of the device alignment " + geometry.alignment();
        }
        return null;
    }

    /** Closes every member, even when one fails to close; the first failure is thrown. */
    static void closeAll(List<BlockDevice> members) throws IOException {
        IOException first = null;
        for (BlockDevice m : members) {
            try {
                m.close();
            } catch (IOException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    static void await(CompletableFuture<Void> f, String what) throws IOException {
        try {
            f.join();
        } catch (CompletionException e) {
            throw new IOException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
