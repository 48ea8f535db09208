package dev.rawblock.device;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The first block of every member of a device set: which set it belongs to (a random id drawn when
 * the set was formatted), its place in the set, and how the set's logical bytes map onto it. A
 * device set ({@link SpanDevice}, {@link MirrorDevice}) is opened only when every member's header
 * names the same set, each place is filled exactly once, and the geometry agrees; so a member
 * of another set, a missing member or one given twice is refused before anything is read
 * through the set.
 *
 * <pre>
 * member: 0          4096                 1 MiB (DATA_OFFSET)                       end
 *         | header   | mirror: intent bits | the member's share of the set's bytes   |
 *
 * header (little-endian, zero-padded to one block):
 *   0  magic        u64  "RBMEMBER"
 *   8  crc          u32  CRC32C of bytes 12..511
 *  12  version      u32  {@value #VERSION}
 *  16  set id       2u64 random at format, the same on every member
 *  32  layout       u32  1 span (logical bytes spread over the members), 2 mirror (on each)
 *  36  index        u32  this member's place, 0..count-1
 *  40  count        u32  members in the set
 *  44  block bytes  u32  the set's I/O unit
 *  48  set bytes    u64  logical size of the set
 *  56  head bytes   u64  span: logical bytes before the first stripe, all on member 0
 *  64  stripe bytes u64  span: bytes of each stripe; stripe s lives on member s mod count
 *  72  zone bytes   u64  mirror: logical bytes per write-intent bit
 *  80  generation   u64  mirror: raised each time the set's state changes (a member fails or is rebuilt)
 *  88  failed       u32  mirror: bit i set when member i is out of date (failed, or not yet rebuilt)
 *  92  path length  u16  then the path the member had when formatted (UTF-8, at most 400 bytes), for messages
 * </pre>
 *
 * @param setIdHi       high half of the set id
 * @param setIdLo       low half of the set id
 * @param layout        span or mirror
 * @param index         this member's place in the set
 * @param count         members in the set
 * @param blockBytes    the set's I/O unit
 * @param setBytes      logical size of the set (what the set device reports as its size)
 * @param headBytes     span: logical bytes at the start that live on member 0 only; 0 for a mirror
 * @param stripeBytes   span: the unit spread over the members; 0 for a mirror
 * @param zoneBytes     mirror: logical bytes covered by one write-intent bit; 0 for a span
 * @param generation    mirror: the set state's version, to tell the newer of two headers
 * @param failedMask    mirror: members that are out of date
 * @param formattedPath the member's path when formatted (for messages; never used to find it)
 */
public record MemberHeader(long setIdHi, long setIdLo, Layout layout, int index, int count, int blockBytes,
                           long setBytes, long headBytes, long stripeBytes, long zoneBytes, long generation,
                           int failedMask, String formattedPath) {
    public static final long MAGIC = 0x5245424d454d4252L; // "RBMEMBER" as little-endian bytes
    public static final int VERSION = 1;
    /** Where a member's share of the set starts: after its header and the mirror's intent bits. */
    public static final long DATA_OFFSET = 1 << 20;
    /** Bytes of the header that the checksum covers. */
    static final int ENCODED_BYTES = 512;
    private static final int PATH_AT = 94, MAX_PATH_BYTES = ENCODED_BYTES - PATH_AT;

    static {
        if (MAX_PATH_BYTES < 400) throw new AssertionError("the header must keep room for a 400-byte path");
    }

    /** How a set's logical bytes map onto its members. */
    public enum Layout {
        /** Each logical byte lives on one member: a head on member 0, then stripes round-robin. */
        SPAN(1),
        /** Every logical byte lives on every member, at the same offset. */
        MIRROR(2);

        final int code;

        Layout(int code) {
            this.code = code;
        }

        static Layout of(int code) {
            for (Layout l : values()) if (l.code == code) return l;
            return null;
        }
    }

    public MemberHeader {
        if (index < 0 || index >= count) throw new IllegalArgumentException("member " + index + " of " + count);
        formattedPath = formattedPath == null ? "" : formattedPath;
    }

    /** The set id as text, for messages. */
    public String setId() {
        return String.format("%016x%016x", setIdHi, setIdLo);
    }

    /** Whether {@code other} belongs to the same set, with the same geometry (its place may differ). */
    public boolean sameSet(MemberHeader other) {
        return setIdHi == other.setIdHi && setIdLo == other.setIdLo && layout == other.layout
                && count == other.count && blockBytes == other.blockBytes && setBytes == other.setBytes
                && headBytes == other.headBytes && stripeBytes == other.stripeBytes && zoneBytes == other.zoneBytes;
    }

    /** This header for member {@code place} of the same set, formatted at {@code path}. */
    public MemberHeader forMember(int place, Path path) {
        return new MemberHeader(setIdHi, setIdLo, layout, place, count, blockBytes, setBytes, headBytes, stripeBytes,
                zoneBytes, generation, failedMask, path.toString());
    }

    /** This header with another set state (mirror). */
    public MemberHeader withState(long newGeneration, int newFailedMask) {
        return new MemberHeader(setIdHi, setIdLo, layout, index, count, blockBytes, setBytes, headBytes, stripeBytes,
                zoneBytes, newGeneration, newFailedMask, formattedPath);
    }

    /** "member 2 of 3 (formatted as /dev/sdc)" */
    public String describe() {
        return "member " + index + " of " + count + (formattedPath.isEmpty() ? "" : " (formatted as " + formattedPath + ")");
    }

    /** Writes this header into {@code block} (at least {@value #ENCODED_BYTES} bytes, zero-filled first). */
    public void encode(MemorySegment block) {
        block.fill((byte) 0);
        block.set(JAVA_LONG_UNALIGNED, 0, MAGIC);
        block.set(JAVA_INT_UNALIGNED, 12, VERSION);
        block.set(JAVA_LONG_UNALIGNED, 16, setIdHi);
        block.set(JAVA_LONG_UNALIGNED, 24, setIdLo);
        block.set(JAVA_INT_UNALIGNED, 32, layout.code);
        block.set(JAVA_INT_UNALIGNED, 36, index);
        block.set(JAVA_INT_UNALIGNED, 40, count);
        block.set(JAVA_INT_UNALIGNED, 44, blockBytes);
        block.set(JAVA_LONG_UNALIGNED, 48, setBytes);
        block.set(JAVA_LONG_UNALIGNED, 56, headBytes);
        block.set(JAVA_LONG_UNALIGNED, 64, stripeBytes);
        block.set(JAVA_LONG_UNALIGNED, 72, zoneBytes);
        block.set(JAVA_LONG_UNALIGNED, 80, generation);
        block.set(JAVA_INT_UNALIGNED, 88, failedMask);
        byte[] path = formattedPath.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(path.length, MAX_PATH_BYTES); // a longer path is cut: it only names the member in messages
        block.set(JAVA_SHORT_UNALIGNED, 92, (short) length);
        MemorySegment.copy(path, 0, block, JAVA_BYTE, PATH_AT, length);
        block.set(JAVA_INT_UNALIGNED, 8, crc(block));
    }

    /** Whether the block starts with the member magic (valid or not). */
    public static boolean hasMagic(MemorySegment block) {
        return block.get(JAVA_LONG_UNALIGNED, 0) == MAGIC;
    }

    /** Why a block is not a valid member header, or null when it is. */
    public static String problem(MemorySegment block) {
        if (!hasMagic(block)) return "no member header";
        if (crc(block) != block.get(JAVA_INT_UNALIGNED, 8)) return "member header checksum mismatch";
        int version = block.get(JAVA_INT_UNALIGNED, 12);
        if (version != VERSION) return "member header version " + version + " (this rawblock reads " + VERSION + ")";
        if (Layout.of(block.get(JAVA_INT_UNALIGNED, 32)) == null) return "unknown set layout " + block.get(JAVA_INT_UNALIGNED, 32);
        int index = block.get(JAVA_INT_UNALIGNED, 36), count = block.get(JAVA_INT_UNALIGNED, 40);
        if (count < 1 || index < 0 || index >= count) return "member " + index + " of " + count + " is not a place in a set";
        int pathLength = Short.toUnsignedInt(block.get(JAVA_SHORT_UNALIGNED, 92));
        if (pathLength > MAX_PATH_BYTES) return "member header path of " + pathLength + " bytes";
        return null;
    }

    /** Reads a block that {@link #problem} accepted. */
    public static MemberHeader decode(MemorySegment block) {
        int pathLength = Short.toUnsignedInt(block.get(JAVA_SHORT_UNALIGNED, 92));
        byte[] path = block.asSlice(PATH_AT, pathLength).toArray(JAVA_BYTE);
        return new MemberHeader(block.get(JAVA_LONG_UNALIGNED, 16), block.get(JAVA_LONG_UNALIGNED, 24),
                Layout.of(block.get(JAVA_INT_UNALIGNED, 32)), block.get(JAVA_INT_UNALIGNED, 36),
                block.get(JAVA_INT_UNALIGNED, 40), block.get(JAVA_INT_UNALIGNED, 44),
                block.get(JAVA_LONG_UNALIGNED, 48), block.get(JAVA_LONG_UNALIGNED, 56),
                block.get(JAVA_LONG_UNALIGNED, 64), block.get(JAVA_LONG_UNALIGNED, 72),
                block.get(JAVA_LONG_UNALIGNED, 80), block.get(JAVA_INT_UNALIGNED, 88),
                new String(path, StandardCharsets.UTF_8));
    }

    private static int crc(MemorySegment block) {
        CRC32C crc = new CRC32C();
        crc.update(block.asSlice(12, ENCODED_BYTES - 12).toArray(JAVA_BYTE));
        return (int) crc.getValue();
    }
}
