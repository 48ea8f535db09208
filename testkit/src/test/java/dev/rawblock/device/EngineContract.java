package dev.rawblock.device;

import dev.rawblock.testkit.device.BlockDeviceContract;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
