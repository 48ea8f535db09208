package dev.rawblock.uring;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compiles a C program against this machine's {@code <linux/io_uring.h>} and {@code <linux/stat.h>}
 * and compares every offset and constant we wrote by hand with what the compiler says.
 * NVMe passthrough structures and ioctl numbers come from {@code <linux/nvme_ioctl.h>}.
 * Constants newer than the installed headers (NO_SQARRAY, 6.6) are checked by the ring tests.
 */
class IoUringAbiTest {
    @TempDir
    Path dir;

    /** Java value for each C expression; the C program prints the expression's value. */
    private static Map<String, Long> expected() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sizeof(struct io_uring_params)", (long) IoUringParamsDescriptor.SIZE);
        m.put("offsetof(struct io_uring_params, sq_entries)", (long) IoUringParamsDescriptor.SQ_ENTRIES);
        m.put("offsetof(struct io_uring_params, cq_entries)", (long) IoUringParamsDescriptor.CQ_ENTRIES);
        m.put("offsetof(struct io_uring_params, flags)", (long) IoUringParamsDescriptor.FLAGS);
        m.put("offsetof(struct io_uring_params, sq_thread_cpu)", (long) IoUringParamsDescriptor.SQ_THREAD_CPU);
        m.put("offsetof(struct io_uring_params, sq_thread_idle)", (long) IoUringParamsDescriptor.SQ_THREAD_IDLE);
        m.put("offsetof(struct io_uring_params, features)", (long) IoUringParamsDescriptor.FEATURES);
        m.put("offsetof(struct io_uring_params, wq_fd)", (long) IoUringParamsDescriptor.WQ_FD);
        m.put("offsetof(struct io_uring_params, sq_off.head)", (long) IoUringParamsDescriptor.SQ_OFF_HEAD);
        m.put("offsetof(struct io_uring_params, sq_off.tail)", (long) IoUringParamsDescriptor.SQ_OFF_TAIL);
        m.put("offsetof(struct io_uring_params, sq_off.ring_mask)", (long) IoUringParamsDescriptor.SQ_OFF_RING_MASK);
        m.put("offsetof(struct io_uring_params, sq_off.ring_entries)", (long) IoUringParamsDescriptor.SQ_OFF_RING_ENTRIES);
        m.put("offsetof(struct io_uring_params, sq_off.flags)", (long) IoUringParamsDescriptor.SQ_OFF_FLAGS);
        m.put("offsetof(struct io_uring_params, sq_off.dropped)", (long) IoUringParamsDescriptor.SQ_OFF_DROPPED);
        m.put("offsetof(struct io_uring_params, sq_off.array)", (long) IoUringParamsDescriptor.SQ_OFF_ARRAY);
        m.put("offsetof(struct io_uring_params, cq_off.head)", (long) IoUringParamsDescriptor.CQ_OFF_HEAD);
        m.put("offsetof(struct io_uring_params, cq_off.tail)", (long) IoUringParamsDescriptor.CQ_OFF_TAIL);
        m.put("offsetof(struct io_uring_params, cq_off.ring_mask)", (long) IoUringParamsDescriptor.CQ_OFF_RING_MASK);
        m.put("offsetof(struct io_uring_params, cq_off.ring_entries)", (long) IoUringParamsDescriptor.CQ_OFF_RING_ENTRIES);
        m.put("offsetof(struct io_uring_params, cq_off.overflow)", (long) IoUringParamsDescriptor.CQ_OFF_OVERFLOW);
        m.put("offsetof(struct io_uring_params, cq_off.cqes)", (long) IoUringParamsDescriptor.CQ_OFF_CQES);
        m.put("offsetof(struct io_uring_params, cq_off.flags)", (long) IoUringParamsDescriptor.CQ_OFF_FLAGS);

        m.put("sizeof(struct io_uring_sqe)", (long) SqeDescriptor.SIZE);
        m.put("offsetof(struct io_uring_sqe, opcode)", (long) SqeDescriptor.OPCODE);
        m.put("offsetof(struct io_uring_sqe, flags)", (long) SqeDescriptor.FLAGS);
        m.put("offsetof(struct io_uring_sqe, ioprio)", (long) SqeDescriptor.IOPRIO);
        m.put("offsetof(struct io_uring_sqe, fd)", (long) SqeDescriptor.FD);
        m.put("offsetof(struct io_uring_sqe, off)", (long) SqeDescriptor.OFF);
        m.put("offsetof(struct io_uring_sqe, cmd_op)", (long) SqeDescriptor.CMD_OP);
        m.put("offsetof(struct io_uring_sqe, addr)", (long) SqeDescriptor.ADDR);
        m.put("offsetof(struct io_uring_sqe, len)", (long) SqeDescriptor.LEN);
        m.put("offsetof(struct io_uring_sqe, rw_flags)", (long) SqeDescriptor.OP_FLAGS);
        m.put("offsetof(struct io_uring_sqe, fsync_flags)", (long) SqeDescriptor.OP_FLAGS);
        m.put("offsetof(struct io_uring_sqe, uring_cmd_flags)", (long) SqeDescriptor.OP_FLAGS);
        m.put("offsetof(struct io_uring_sqe, user_data)", (long) SqeDescriptor.USER_DATA);
        m.put("offsetof(struct io_uring_sqe, buf_index)", (long) SqeDescriptor.BUF_INDEX);
        m.put("offsetof(struct io_uring_sqe, personality)", (long) SqeDescriptor.PERSONALITY);
        m.put("offsetof(struct io_uring_sqe, splice_fd_in)", (long) SqeDescriptor.SPLICE_FD_IN);
        m.put("offsetof(struct io_uring_sqe, cmd)", (long) SqeDescriptor.CMD);

        m.put("sizeof(struct io_uring_cqe)", (long) CqeDescriptor.SIZE);
        m.put("offsetof(struct io_uring_cqe, user_data)", (long) CqeDescriptor.USER_DATA);
        m.put("offsetof(struct io_uring_cqe, res)", (long) CqeDescriptor.RES);
        m.put("offsetof(struct io_uring_cqe, flags)", (long) CqeDescriptor.FLAGS);
        m.put("offsetof(struct io_uring_cqe, big_cqe)", (long) CqeDescriptor.BIG_CQE);

        m.put("__NR_io_uring_setup", (long) IoUringConstants.SYS_IO_URING_SETUP);
        m.put("__NR_io_uring_enter", (long) IoUringConstants.SYS_IO_URING_ENTER);
        m.put("__NR_io_uring_register", (long) IoUringConstants.SYS_IO_URING_REGISTER);
        m.put("IORING_SETUP_SQE128", (long) IoUringConstants.IORING_SETUP_SQE128);
        m.put("IORING_SETUP_CQE32", (long) IoUringConstants.IORING_SETUP_CQE32);
        m.put("IORING_SETUP_SINGLE_ISSUER", (long) IoUringConstants.IORING_SETUP_SINGLE_ISSUER);
        m.put("IORING_SETUP_DEFER_TASKRUN", (long) IoUringConstants.IORING_SETUP_DEFER_TASKRUN);
        m.put("IORING_FEAT_SINGLE_MMAP", (long) IoUringConstants.IORING_FEAT_SINGLE_MMAP);
        m.put("IORING_FEAT_NODROP", (long) IoUringConstants.IORING_FEAT_NODROP);
        m.put("IORING_OFF_SQ_RING", IoUringConstants.IORING_OFF_SQ_RING);
        m.put("IORING_OFF_CQ_RING", IoUringConstants.IORING_OFF_CQ_RING);
        m.put("IORING_OFF_SQES", IoUringConstants.IORING_OFF_SQES);
        m.put("IORING_ENTER_GETEVENTS", (long) IoUringConstants.IORING_ENTER_GETEVENTS);
        m.put("IORING_SQ_CQ_OVERFLOW", (long) IoUringConstants.IORING_SQ_CQ_OVERFLOW);
        m.put("IORING_REGISTER_BUFFERS", (long) IoUringConstants.IORING_REGISTER_BUFFERS);
        m.put("IORING_UNREGISTER_BUFFERS", (long) IoUringConstants.IORING_UNREGISTER_BUFFERS);
        m.put("IORING_REGISTER_FILES", (long) IoUringConstants.IORING_REGISTER_FILES);
        m.put("IORING_UNREGISTER_FILES", (long) IoUringConstants.IORING_UNREGISTER_FILES);
        m.put("IORING_OP_NOP", (long) IoUringConstants.IORING_OP_NOP);
        m.put("IORING_OP_FSYNC", (long) IoUringConstants.IORING_OP_FSYNC);
        m.put("IORING_OP_READ_FIXED", (long) IoUringConstants.IORING_OP_READ_FIXED);
        m.put("IORING_OP_WRITE_FIXED", (long) IoUringConstants.IORING_OP_WRITE_FIXED);
        m.put("IORING_OP_ASYNC_CANCEL", (long) IoUringConstants.IORING_OP_ASYNC_CANCEL);
        m.put("IORING_OP_READ", (long) IoUringConstants.IORING_OP_READ);
        m.put("IORING_OP_WRITE", (long) IoUringConstants.IORING_OP_WRITE);
        m.put("IORING_OP_URING_CMD", (long) IoUringConstants.IORING_OP_URING_CMD);
        m.put("IOSQE_FIXED_FILE", (long) IoUringConstants.IOSQE_FIXED_FILE);
        m.put("IORING_FSYNC_DATASYNC", (long) IoUringConstants.IORING_FSYNC_DATASYNC);
        m.put("IORING_URING_CMD_FIXED", (long) IoUringConstants.IORING_URING_CMD_FIXED);

        m.put("sizeof(struct statx)", (long) StatxDescriptor.SIZE);
        m.put("offsetof(struct statx, stx_mask)", (long) StatxDescriptor.MASK);
        m.put("offsetof(struct statx, stx_blksize)", (long) StatxDescriptor.BLKSIZE);
        m.put("offsetof(struct statx, stx_mode)", (long) StatxDescriptor.MODE);
        m.put("offsetof(struct statx, stx_ino)", (long) StatxDescriptor.INO);
        m.put("offsetof(struct statx, stx_size)", (long) StatxDescriptor.SIZE_BYTES);
        m.put("offsetof(struct statx, stx_rdev_major)", (long) StatxDescriptor.RDEV_MAJOR);
        m.put("offsetof(struct statx, stx_rdev_minor)", (long) StatxDescriptor.RDEV_MINOR);
        m.put("offsetof(struct statx, stx_dev_major)", (long) StatxDescriptor.DEV_MAJOR);
        m.put("offsetof(struct statx, stx_dev_minor)", (long) StatxDescriptor.DEV_MINOR);
        m.put("offsetof(struct statx, stx_dio_mem_align)", (long) StatxDescriptor.DIO_MEM_ALIGN);
        m.put("offsetof(struct statx, stx_dio_offset_align)", (long) StatxDescriptor.DIO_OFFSET_ALIGN);
        m.put("STATX_DIOALIGN", (long) LibC.STATX_DIOALIGN);
        m.put("STATX_BASIC_STATS", (long) LibC.STATX_BASIC_STATS);
        m.put("AT_EMPTY_PATH", (long) LibC.AT_EMPTY_PATH);
        m.put("AT_FDCWD", (long) LibC.AT_FDCWD);
        m.put("O_DIRECT", (long) LibC.O_DIRECT);
        m.put("O_RDWR", (long) LibC.O_RDWR);
        m.put("O_CREAT", (long) LibC.O_CREAT);
        m.put("O_EXCL", (long) LibC.O_EXCL);
        m.put("O_CLOEXEC", (long) LibC.O_CLOEXEC);
        m.put("MAP_SHARED", (long) LibC.MAP_SHARED);
        m.put("MAP_POPULATE", (long) LibC.MAP_POPULATE);
        m.put("EFD_CLOEXEC", (long) LibC.EFD_CLOEXEC);

        for (String struct : new String[] {"nvme_passthru_cmd", "nvme_uring_cmd"}) {
            String s = "struct " + struct;
            m.put("sizeof(" + s + ")", (long) NvmeCommandDescriptor.SIZE);
            m.put("offsetof(" + s + ", opcode)", (long) NvmeCommandDescriptor.OPCODE);
            m.put("offsetof(" + s + ", flags)", (long) NvmeCommandDescriptor.FLAGS);
            m.put("offsetof(" + s + ", nsid)", (long) NvmeCommandDescriptor.NSID);
            m.put("offsetof(" + s + ", cdw2)", (long) NvmeCommandDescriptor.CDW2);
            m.put("offsetof(" + s + ", cdw3)", (long) NvmeCommandDescriptor.CDW3);
            m.put("offsetof(" + s + ", metadata)", (long) NvmeCommandDescriptor.METADATA);
            m.put("offsetof(" + s + ", addr)", (long) NvmeCommandDescriptor.ADDR);
            m.put("offsetof(" + s + ", metadata_len)", (long) NvmeCommandDescriptor.METADATA_LEN);
            m.put("offsetof(" + s + ", data_len)", (long) NvmeCommandDescriptor.DATA_LEN);
            m.put("offsetof(" + s + ", cdw10)", (long) NvmeCommandDescriptor.CDW10);
            m.put("offsetof(" + s + ", cdw11)", (long) NvmeCommandDescriptor.CDW11);
            m.put("offsetof(" + s + ", cdw12)", (long) NvmeCommandDescriptor.CDW12);
            m.put("offsetof(" + s + ", cdw13)", (long) NvmeCommandDescriptor.CDW13);
            m.put("offsetof(" + s + ", cdw14)", (long) NvmeCommandDescriptor.CDW14);
            m.put("offsetof(" + s + ", cdw15)", (long) NvmeCommandDescriptor.CDW15);
            m.put("offsetof(" + s + ", timeout_ms)", (long) NvmeCommandDescriptor.TIMEOUT_MS);
        }
        m.put("offsetof(struct nvme_passthru_cmd, result)", (long) NvmeCommandDescriptor.RESULT);
        m.put("NVME_IOCTL_ID", NvmeConstants.NVME_IOCTL_ID);
        m.put("NVME_IOCTL_ADMIN_CMD", NvmeConstants.NVME_IOCTL_ADMIN_CMD);
        m.put("NVME_IOCTL_IO_CMD", NvmeConstants.NVME_IOCTL_IO_CMD);
        m.put("NVME_URING_CMD_IO", Integer.toUnsignedLong(NvmeConstants.NVME_URING_CMD_IO));
        return m;
    }

    @Test
    void handWrittenAbiMatchesTheInstalledHeaders() throws IOException, InterruptedException {
        Map<String, Long> expected = expected();
        StringBuilder c = new StringBuilder("""
                #define _GNU_SOURCE
                #include <stdio.h>
                #include <stddef.h>
                #include <fcntl.h>
                #include <sys/mman.h>
                #include <sys/eventfd.h>
                #include <sys/syscall.h>
                #include <linux/stat.h>
                #include <linux/io_uring.h>
                #include <sys/ioctl.h>
                #include <linux/nvme_ioctl.h>
                int main(void) {
                """);
        for (String expr : expected.keySet()) {
            c.append("  printf(\"%lld\\n\", (long long)(").append(expr).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path src = Files.writeString(dir.resolve("abi.c"), c.toString());
        Path bin = dir.resolve("abi");
        String compile = run(dir, "gcc", "-o", bin.toString(), src.toString());
        Assumptions.assumeTrue(compile != null, "gcc is not available");
        String out = run(dir, bin.toString());
        assertTrue(out != null, "the probe runs");
        String[] lines = out.strip().split("\n");
        assertEquals(expected.size(), lines.length);
        int i = 0;
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            assertEquals(Long.parseLong(lines[i++].trim()), e.getValue(), e.getKey());
        }
    }

    /** Output of a command, or null when it cannot be started; fails the test when it exits non-zero. */
    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }
}
