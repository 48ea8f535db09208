package dev.rawblock.device;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the devices over a set's members ({@link SpanDevice}, {@link MirrorDevice}) share: the
 * members in their places, the set's geometry from member 0's header, member 0 as the set's face
 * (its path names the set in messages; its arena gives the buffers, which the other members take
 * as ordinary memory), and the bytes in flight on each member, which the store places by.
 */
public abstract class AbstractSetDevice implements BlockDevice {
    protected final List<BlockDevice> members;
    protected final MemberHeader header;
    protected final Geometry geometry;
    /** Per member, bytes of operations submitted to it and not completed; the subclass counts them. */
    protected final AtomicLongArray inFlightBytes;

    AbstractSetDevice(List<BlockDevice> members, MemberHeader header) {
        this.members = members;
        this.header = header;
        this.geometry = DeviceSet.geometry(members, header.setBytes());
        this.inFlightBytes = new AtomicLongArray(members.size());
    }

    /** The members in their places. */
    public final List<BlockDevice> members() {
        return members;
    }

    /** Member 0's header as opened: the set's geometry. */
    public final MemberHeader header() {
        return header;
    }

    /** Bytes of operations submitted to member {@code member} and not completed yet. */
    public final long inFlightBytes(int member) {
        return inFlightBytes.get(member);
    }

    /** Member 0's path: what messages about the set name. */
    @Override
    public final Path path() {
        return members.getFirst().path();
    }

    @Override
    public final Geometry geometry() {
        return geometry;
    }

    @Override
    public final Engine engine() {
        return members.getFirst().engine();
    }

    @Override
    public final BufferArena buffers() {
        return members.getFirst().buffers();
    }
}
