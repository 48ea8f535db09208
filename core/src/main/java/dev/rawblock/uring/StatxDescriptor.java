package dev.rawblock.uring;

/** Byte offsets of {@code struct statx} (256 bytes) from {@code <linux/stat.h>}. */
public final class StatxDescriptor {
    private StatxDescriptor() {}

    public static final int SIZE = 256;

    public static final int MASK = 0;              // u32: which fields the kernel filled
    public static final int BLKSIZE = 4;           // u32
    public static final int MODE = 28;             // u16
    public static final int INO = 32;              // u64 stx_ino
    public static final int SIZE_BYTES = 40;       // u64 stx_size
    public static final int RDEV_MAJOR = 128;      // u32
    public static final int RDEV_MINOR = 132;      // u32
    public static final int DEV_MAJOR = 136;       // u32
    public static final int DEV_MINOR = 140;       // u32
    public static final int DIO_MEM_ALIGN = 152;   // u32 (6.1, STATX_DIOALIGN)
    public static final int DIO_OFFSET_ALIGN = 156;// u32 (6.1, STATX_DIOALIGN)

    // file type bits of stx_mode
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFDIR = 0040000;
}
