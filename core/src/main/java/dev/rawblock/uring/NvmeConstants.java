package dev.rawblock.uring;

/**
 * NVMe driver ioctl numbers ({@code include/uapi/linux/nvme_ioctl.h}) and the NVMe command
 * opcodes, log pages and fields rawblock uses (NVM Express Base 2.0 with TP4146, Flexible Data
 * Placement). {@code IoUringAbiTest} checks the ioctl numbers against the installed header.
 */
public final class NvmeConstants {
    private NvmeConstants() {}

    /** {@code _IO('N', 0x40)}: returns the namespace id of an NVMe namespace node. */
    public static final long NVME_IOCTL_ID = 0x4e40L;
    /** {@code _IOWR('N', 0x41, struct nvme_passthru_cmd)}: a synchronous admin command. */
    public static final long NVME_IOCTL_ADMIN_CMD = 0xc0484e41L;
    /** {@code _IOWR('N', 0x43, struct nvme_passthru_cmd)}: a synchronous I/O command. */
    public static final long NVME_IOCTL_IO_CMD = 0xc0484e43L;
    /** {@code _IOWR('N', 0x80, struct nvme_uring_cmd)}: the {@code cmd_op} of an I/O command sent with IORING_OP_URING_CMD. */
    public static final int NVME_URING_CMD_IO = 0xc0484e80;

    // NVM command set opcodes
    public static final byte NVM_FLUSH = 0x00;
    public static final byte NVM_WRITE = 0x01;
    public static final byte NVM_READ = 0x02;
    /** I/O Management Receive (FDP): management operation 1 returns the reclaim unit handle status. */
    public static final byte NVM_IO_MGMT_RECV = 0x12;

    // admin opcodes
    public static final byte ADMIN_GET_LOG_PAGE = 0x02;
    public static final byte ADMIN_IDENTIFY = 0x06;
    public static final byte ADMIN_GET_FEATURES = 0x0a;

    // Identify CNS values
    public static final int CNS_NAMESPACE = 0x00;
    public static final int CNS_CONTROLLER = 0x01;

    /** Identify Controller: byte offset of CTRATT (u32); bit 19 is Flexible Data Placement Supported. */
    public static final int ID_CTRL_CTRATT = 96;
    public static final int CTRATT_FDPS = 1 << 19;
    /** Identify Controller: byte offset of MDTS (u8), max data transfer as a power of two of the minimum page. */
    public static final int ID_CTRL_MDTS = 77;

    /** Identify Namespace: NSZE (u64, blocks), FLBAS (u8), ENDGID (u16), LBA formats (u32 each, LBADS in bits 23:16). */
    public static final int ID_NS_NSZE = 0;
    public static final int ID_NS_FLBAS = 26;
    public static final int ID_NS_ENDGID = 102;
    public static final int ID_NS_LBAF = 128;

    /** Feature identifier of Flexible Data Placement (its value: bit 0 enabled, bits 15:8 the configuration index). */
    public static final int FEATURE_FDP = 0x1d;
    /** Log page: FDP configurations of an endurance group. */
    public static final int LOG_FDP_CONFIGURATIONS = 0x20;
    /** Log page: FDP statistics of an endurance group (host / media bytes with metadata written, media bytes erased). */
    public static final int LOG_FDP_STATISTICS = 0x22;
    /** I/O Management Receive management operation: reclaim unit handle status. */
    public static final int IO_MGMT_RUH_STATUS = 0x01;

    /** Write cdw12 bits 23:20: directive type; 2 is Data Placement, whose DSPEC (cdw13 bits 31:16) is the placement identifier. */
    public static final int DTYPE_DATA_PLACEMENT = 2;

    /** The nsid that addresses every namespace (Get Log Page of controller or endurance-group scope). */
    public static final int NSID_ALL = 0xffffffff;
}
