package dev.rawblock.uring;

import java.lang.foreign.MemorySegment;

import static dev.rawblock.uring.NvmeCommandDescriptor.*;
import static dev.rawblock.uring.NvmeConstants.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Encoders of the NVMe commands rawblock sends, into a zeroed 72-byte command (the command area
 * of an SQE128 entry from {@link Sqe#uringCmd}, or an {@code nvme_passthru_cmd} for an ioctl).
 * Only the fields that matter are set; LBAs and counts are in logical blocks.
 */
public final class NvmeCommand {
    private NvmeCommand() {}

    /** No placement directive: the write goes where the namespace puts undirected writes. */
    public static final int NO_PLACEMENT = -1;

    /**
     * An NVM READ or WRITE of {@code blocks} logical blocks at {@code lba}, to or from {@code address}.
     *
     * @param placement for a write, the FDP placement identifier (DTYPE 2, DSPEC = it), or
     *                  {@link #NO_PLACEMENT}; ignored for reads
     */
    public static void readWrite(MemorySegment cmd, boolean write, int nsid, long lba, int blocks, long address,
                                 int bytes, int placement) {
        if (blocks < 1 || blocks > 0x10000) throw new IllegalArgumentException("an NVMe read/write moves 1..65536 blocks, got " + blocks);
        cmd.set(JAVA_BYTE, OPCODE, write ? NVM_WRITE : NVM_READ);
        cmd.set(JAVA_INT, NSID, nsid);
        cmd.set(JAVA_LONG, ADDR, address);
        cmd.set(JAVA_INT, DATA_LEN, bytes);
        cmd.set(JAVA_INT, CDW10, (int) lba);
        cmd.set(JAVA_INT, CDW11, (int) (lba >>> 32));
        int cdw12 = blocks - 1; // NLB is 0-based
        if (write && placement >= 0) {
            if (placement > 0xffff) throw new IllegalArgumentException("placement identifier " + placement + " is not 0..65535");
            cdw12 |= DTYPE_DATA_PLACEMENT << 20;
            cmd.set(JAVA_INT, CDW13, placement << 16);
        }
        cmd.set(JAVA_INT, CDW12, cdw12);
    }

    /** An NVM FLUSH: the namespace's volatile write cache to media. */
    public static void flush(MemorySegment cmd, int nsid) {
        cmd.set(JAVA_BYTE, OPCODE, NVM_FLUSH);
        cmd.set(JAVA_INT, NSID, nsid);
    }

    /** I/O Management Receive, reclaim unit handle status, into {@code bytes} (a multiple of 4) at {@code address}. */
    public static void ruhStatus(MemorySegment cmd, int nsid, long address, int bytes) {
        cmd.set(JAVA_BYTE, OPCODE, NVM_IO_MGMT_RECV);
        cmd.set(JAVA_INT, NSID, nsid);
        cmd.set(JAVA_LONG, ADDR, address);
        cmd.set(JAVA_INT, DATA_LEN, bytes);
        cmd.set(JAVA_INT, CDW10, IO_MGMT_RUH_STATUS);
        cmd.set(JAVA_INT, CDW11, bytes / 4 - 1); // NUMD, 0-based dwords
    }

    /** Identify with {@code cns} (namespace or controller) into 4096 bytes at {@code address}. */
    public static void identify(MemorySegment cmd, int cns, int nsid, long address) {
        cmd.set(JAVA_BYTE, OPCODE, ADMIN_IDENTIFY);
        cmd.set(JAVA_INT, NSID, nsid);
        cmd.set(JAVA_LONG, ADDR, address);
        cmd.set(JAVA_INT, DATA_LEN, 4096);
        cmd.set(JAVA_INT, CDW10, cns);
    }

    /** Get Features {@code fid} with {@code cdw11} (for FDP: the endurance group); the value comes back in the result dword. */
    public static void getFeatures(MemorySegment cmd, int fid, int cdw11) {
        cmd.set(JAVA_BYTE, OPCODE, ADMIN_GET_FEATURES);
        cmd.set(JAVA_INT, CDW10, fid);
        cmd.set(JAVA_INT, CDW11, cdw11);
    }

    /** Get Log Page {@code lid} with log specific identifier {@code lsi} (FDP logs: the endurance group). */
    public static void getLogPage(MemorySegment cmd, int lid, int lsi, long address, int bytes) {
        int numd = bytes / 4 - 1; // 0-based dwords, split over NUMDL (cdw10 31:16) and NUMDU (cdw11 15:0)
        cmd.set(JAVA_BYTE, OPCODE, ADMIN_GET_LOG_PAGE);
        cmd.set(JAVA_INT, NSID, NSID_ALL);
        cmd.set(JAVA_LONG, ADDR, address);
        cmd.set(JAVA_INT, DATA_LEN, bytes);
        cmd.set(JAVA_INT, CDW10, lid | (numd & 0xffff) << 16);
        cmd.set(JAVA_INT, CDW11, (numd >>> 16) | lsi << 16);
    }
}
