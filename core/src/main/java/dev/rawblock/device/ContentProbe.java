package dev.rawblock.device;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Says what a device holds, the way mkfs looks before it writes: a filesystem, volume or
 * partition table by its signature; else the first non-zero byte; else that it is all zero. It
 * knows bytes only: a rawblock store is recognised by the store layer, before it asks this.
 *
 * <p><b>Signatures</b> are read from the first {@value #HEAD_BYTES} bytes: ext2/3/4 (0xEF53 at
 * 1080), xfs ("XFSB" at 0), btrfs ("_BHRfS_M" at 65600), swap ("SWAPSPACE2" ten bytes before the
 * end of the first page, for 4 to 64 KiB pages), LVM2 physical volumes ("LABELONE" in sectors
 * 0-3), LUKS ("LUKS\xba\xbe" at 0), md RAID 1.1/1.2, NTFS, exFAT, FAT, ISO 9660, GPT ("EFI PART"
 * at 512 or 4096) and DOS/MBR (0x55AA at 510 and a partition table that makes sense).
 *
 * <p><b>All zero?</b> A regular file is read where it holds data only (lseek SEEK_DATA/SEEK_HOLE):
 * a sparse or preallocated file costs what it holds, and a file with data stops at its first
 * non-zero byte (only a large file of written-out zeros is read whole). A block device is read
 * in its first {@value #BLOCK_HEAD_MIB} MiB and last {@value #BLOCK_TAIL_MIB} MiB only, where every known signature and partition table (GPT keeps
 * a backup in the last sectors, md 0.90/1.0 at the end) lives: reading all of a multi-terabyte
 * drive would take many minutes for the rare device whose data starts in its middle.
 *
 * <p>Reads are O_DIRECT (when the device is), {@value #CHUNK_BYTES} bytes at a time through the
 * device's own buffers: probing a large device does not fill the page cache.
 */
public final class ContentProbe {
    private ContentProbe() {}

    /** Bytes at the start read for signatures: btrfs's superblock is at 64 KiB, ISO 9660's at 32 KiB. */
    static final int HEAD_BYTES = 1 << 20;
    static final long BLOCK_HEAD_MIB = 64;
    static final long BLOCK_TAIL_MIB = 1;
    static final int CHUNK_BYTES = 1 << 20;
    /** Reads in flight while scanning. */
    private static final int DEPTH = 4;

    /**
     * What was found.
     *
     * @param kind    all zero, a known signature, or other data
     * @param what    for a signature, what it is ("an ext4 filesystem (label "x")")
     * @param offset  for data, the offset of the first non-zero byte; otherwise -1
     * @param bounded for all zero: only the head and tail of a block device were read
     */
    public record Finding(Kind kind, String what, long offset, boolean bounded) {
        public enum Kind { ZERO, SIGNATURE, DATA }

        /** Nothing but zeros where it was read. */
        public boolean zero() {
            return kind == Kind.ZERO;
        }

        /** The verb phrase that follows the path: "holds an ext4 filesystem", "is all zero", ... */
        public String phrase() {
            return switch (kind) {
                case SIGNATURE -> "holds " + what;
                case DATA -> "holds non-zero data at offset " + offset;
                case ZERO -> bounded ? "is all zero in its first " + BLOCK_HEAD_MIB + " MiB and last " + BLOCK_TAIL_MIB
                        + " MiB (the rest of a block device is not read)" : "is all zero";
            };
        }
    }

    /** Looks at the device: its signature if it has one, else its first non-zero byte, else all zero. */
    public static Finding probe(BlockDevice device) throws IOException {
        long size = device.size();
        int head = (int) Math.min(HEAD_BYTES, size);
        try (IoBuffer buf = device.buffers().allocate(head)) {
            read(device, 0, buf.segment());
            String signature = signature(buf.segment());
            if (signature != null) return new Finding(Finding.Kind.SIGNATURE, signature, -1, false);
        }
        boolean file = device.geometry().kind() == Geometry.Kind.FILE;
        List<long[]> ranges = file ? List.of(new long[] {0, size}) : blockDeviceRanges(size);
        for (long[] range : ranges) {
            long at = firstNonZero(device, range[0], range[1], file);
            if (at >= 0) return new Finding(Finding.Kind.DATA, null, at, false);
        }
        return new Finding(Finding.Kind.ZERO, null, -1, !file && size > (BLOCK_HEAD_MIB + BLOCK_TAIL_MIB) << 20);
    }

    /** The head and tail of a block device; the whole of a small one. */
    static List<long[]> blockDeviceRanges(long size) {
        long head = Math.min(size, BLOCK_HEAD_MIB << 20);
        long tail = Math.max(head, size - (BLOCK_TAIL_MIB << 20));
        List<long[]> ranges = new ArrayList<>(List.of(new long[] {0, head}));
        if (tail < size) ranges.add(new long[] {tail, size});
        return ranges;
    }

    /**
     * The offset of the first non-zero byte in {@code [from, to)}, or -1. With {@code extents}, only
     * the file's data extents are read.
     */
    static long firstNonZero(BlockDevice device, long from, long to, boolean extents) throws IOException {
        try (IoBuffer buf = device.buffers().allocate((long) DEPTH * CHUNK_BYTES);
             Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(CHUNK_BYTES);
            long at = extents ? device.dataFrom(from) : from;
            while (at < to) {
                long end = extents ? Math.min(to, device.holeFrom(at)) : to;
                if (end <= at) end = Math.min(to, at + CHUNK_BYTES);
                for (long pos = at; pos < end; ) {
                    List<IoOp> ops = new ArrayList<>(DEPTH);
                    List<Long> offsets = new ArrayList<>(DEPTH);
                    for (int i = 0; i < DEPTH && pos < end; i++) {
                        long len = Math.min(CHUNK_BYTES, end - pos);
                        ops.add(IoOp.read(pos, buf.segment().asSlice((long) i * CHUNK_BYTES, len)));
                        offsets.add(pos);
                        pos += len;
                    }
                    var done = device.submit(ops);
                    for (int i = 0; i < ops.size(); i++) {
                        await(done.get(i), device, offsets.get(i));
                        MemorySegment data = ops.get(i).buffer();
                        long m = data.mismatch(zeros.asSlice(0, data.byteSize()));
                        if (m >= 0) {
                            for (int j = i + 1; j < ops.size(); j++) done.get(j).exceptionally(t -> null).join();
                            return offsets.get(i) + m;
                        }
                    }
                }
                at = extents ? device.dataFrom(end) : end;
            }
            return -1;
        }
    }

    private static void read(BlockDevice device, long offset, MemorySegment into) throws IOException {
        await(device.submit(List.of(IoOp.read(offset, into))).getFirst(), device, offset);
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> f, BlockDevice device, long offset)
            throws IOException {
        try {
            f.join();
        } catch (CompletionException e) {
            throw new IOException("cannot read " + device.path() + " at offset " + offset + " to see what it holds: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * The filesystem, volume or partition table whose signature starts {@code head} (the first
     * bytes of a device, up to {@value #HEAD_BYTES}), as a noun phrase; null when none is known.
     * Containers come first (LUKS, LVM, md, GPT), filesystems next, a DOS table last, since a
     * FAT or NTFS boot sector ends in 0x55AA as well.
     */
    static String signature(MemorySegment head) {
        if (has(head, 0, "LUKS\u00ba\u00be")) {
            int version = Short.toUnsignedInt(Short.reverseBytes(head.get(JAVA_SHORT_UNALIGNED, 6))); // big-endian
            return "a LUKS" + (version == 1 || version == 2 ? version : "") + " encrypted volume"
                    + (version == 2 ? label(head, 24, 48) : "");
        }
        for (int sector = 0; sector < 4; sector++) {
            if (has(head, sector * 512L, "LABELONE") && has(head, sector * 512L + 24, "LVM2")) {
                return "an LVM2 physical volume";
            }
        }
        for (long at : new long[] {0, 4096}) { // md superblock 1.1 at the start, 1.2 at 4 KiB
            if (at + 4 <= head.byteSize() && head.get(JAVA_INT_UNALIGNED, at) == 0xa92b4efc) {
                return "an md RAID member" + label(head, at + 32, 32);
            }
        }
        for (long at : new long[] {512, 4096}) { // LBA 1 of 512-byte and of 4096-byte sectors
            if (has(head, at, "EFI PART")) return "a GPT partition table";
        }
        if (has(head, 0, "XFSB")) return "an xfs filesystem" + label(head, 108, 12);
        if (has(head, 65536 + 64, "_BHRfS_M")) return "a btrfs filesystem" + label(head, 65536 + 0x12b, 256);
        if (head.byteSize() >= 1024 + 0x88 && Short.toUnsignedInt(head.get(JAVA_SHORT_UNALIGNED, 1024 + 0x38)) == 0xEF53) {
            return "an " + extVersion(head) + " filesystem" + label(head, 1024 + 0x78, 16);
        }
        for (int page : new int[] {4096, 8192, 16384, 65536}) {
            if (has(head, page - 10, "SWAPSPACE2") || has(head, page - 10, "SWAP-SPACE")) {
                return "a swap area" + label(head, 1024 + 28, 16);
            }
        }
        if (has(head, 3, "NTFS    ")) return "an NTFS filesystem";
        if (has(head, 3, "EXFAT   ")) return "an exFAT filesystem";
        if (has(head, 32769, "CD001")) return "an ISO 9660 image";
        boolean bootSignature = head.byteSize() >= 512 && (head.get(JAVA_BYTE, 510) & 0xff) == 0x55
                && (head.get(JAVA_BYTE, 511) & 0xff) == 0xAA;
        if (bootSignature && (has(head, 54, "FAT1") || has(head, 82, "FAT32"))) return "a FAT filesystem";
        if (bootSignature) {
            int partitions = dosPartitions(head);
            if (partitions > 0) {
                return "a DOS (MBR) partition table (" + partitions + (partitions == 1 ? " partition)" : " partitions)");
            }
        }
        return null;
    }

    /** ext4 when it uses a feature ext3 lacks, ext3 with a journal, else ext2. */
    private static String extVersion(MemorySegment head) {
        int compat = head.get(JAVA_INT_UNALIGNED, 1024 + 0x5c);
        int incompat = head.get(JAVA_INT_UNALIGNED, 1024 + 0x60);
        int roCompat = head.get(JAVA_INT_UNALIGNED, 1024 + 0x64);
        // incompat: extents, 64bit, mmp, flex_bg, ...; ro_compat: huge_file, gdt_csum, dir_nlink, extra_isize, metadata_csum
        if ((incompat & ~0x1f) != 0 || (roCompat & 0x478) != 0) return "ext4";
        return (compat & 0x4) != 0 ? "ext3" : "ext2";
    }

    /**
     * The number of used entries of a DOS partition table, or 0 when the four entries at 446 do
     * not look like one: each boot flag must be 0x00 or 0x80, and a used entry has a type, a start
     * after the table's own sector and a length.
     */
    static int dosPartitions(MemorySegment head) {
        int used = 0;
        for (int i = 0; i < 4; i++) {
            long e = 446 + 16L * i;
            int boot = head.get(JAVA_BYTE, e) & 0xff;
            if (boot != 0x00 && boot != 0x80) return 0;
            int type = head.get(JAVA_BYTE, e + 4) & 0xff;
            long start = Integer.toUnsignedLong(head.get(JAVA_INT_UNALIGNED, e + 8));
            long sectors = Integer.toUnsignedLong(head.get(JAVA_INT_UNALIGNED, e + 12));
            if (type == 0) {
                if (start != 0 || sectors != 0) return 0;
                continue;
            }
            if (start == 0 || sectors == 0) return 0;
            used++;
        }
        return used;
    }

    private static boolean has(MemorySegment head, long offset, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
        if (offset + m.length > head.byteSize()) return false;
        return MemorySegment.ofArray(m).mismatch(head.asSlice(offset, m.length)) == -1;
    }

    /** {@code (label "x")} from a NUL-padded field, non-printable bytes as \xNN; empty when there is none. */
    private static String label(MemorySegment head, long offset, int length) {
        if (offset + length > head.byteSize()) return "";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int c = head.get(JAVA_BYTE, offset + i) & 0xff;
            if (c == 0) break;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') b.append((char) c);
            else b.append(String.format("\\x%02x", c));
        }
        String s = b.toString().strip();
        return s.isEmpty() ? "" : " (label \"" + s + "\")";
    }
}
