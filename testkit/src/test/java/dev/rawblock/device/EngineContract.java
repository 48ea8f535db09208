package dev.rawblock.device;

import dev.rawblock.testkit.device.BlockDeviceContract;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The device contract for an engine opened with {@link BlockDevice#open}: the real thing on a real target. */
abstract class EngineContract extends BlockDeviceContract {
    /** The engine under test. */
    abstract Engine engine();

    @Override
    protected DeviceOptions options() {
        return super.options().withEngine(engine());
    }

    @Override
    protected BlockDevice newDevice(DeviceOptions options) throws IOException {
        return BlockDevice.open(options);
    }

    @Test
    void opensTheEngineTheOptionsChoose() throws IOException {
        assertEquals(engine(), open(options()).engine());
    }

    /**
     * A read or write goes to the kernel whole, which cuts it at the hardware's limit and sends the
     * pieces together; only an explicit max transfer cuts it here.
     */
    @Test
    void readsAndWritesAreNotCutAtTheHardwareLimit() throws IOException {
        assumeTrue(engine() != Engine.URING_CMD, "NVMe commands are cut at the controller's limit (UringCmdNamespaceTest)");
        try (BlockDevice whole = newDevice(options())) {
            assertEquals(DeviceFile.MAX_SYSCALL_BYTES, ((AbstractBlockDevice) whole).chunkLimit(),
                    "a hardware limit of " + whole.geometry().maxTransfer() + " bytes");
        }
        try (BlockDevice cut = newDevice(options().withMaxTransfer(64 << 10))) {
            assertEquals(64 << 10, ((AbstractBlockDevice) cut).chunkLimit());
        }
    }
}
