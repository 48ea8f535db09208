package dev.rawblock.device;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.nio.file.Path;

/** The device contract on an NVMe namespace's generic device, NVMe passthrough engine (in nvme-vm). */
class UringCmdContractTest extends EngineContract {
    @Override
    Engine engine() {
        return Engine.URING_CMD;
    }

    /**
     * The namespace outlives each test, unlike a file made per test: the tests that compare with a
     * model of an empty device (the first 2 MiB) get zeros there first.
     */
    @Override
    protected Path target(Path dir) throws IOException {
        Path ng = NvmeVm.ng();
        try (BlockDevice dev = BlockDevice.open(DeviceOptions.of(ng).withArenaBytes(4 << 20))) {
            MemorySegment zeros = dev.buffers().allocate(4 << 20).segment().fill((byte) 0);
            dev.submit(List.of(IoOp.write(0, zeros))).getFirst().join();
        }
        return ng;
    }

    @Override
    protected long expectedSize() {
        try {
            return NvmeVm.sysfsBytes(NvmeVm.blockDevice());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
