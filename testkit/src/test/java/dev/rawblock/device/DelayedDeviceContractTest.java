package dev.rawblock.device;

import dev.rawblock.testkit.device.BlockDeviceContract;
import dev.rawblock.testkit.device.DeviceTargets;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract through {@code --io-delay}'s wrapper, over io_uring on a file: completions that
 * arrive late and out of order must not change what the device does.
 */
class DelayedDeviceContractTest extends BlockDeviceContract {
    private static final long MAX_MICROS = 2_000;

    @Override
    protected Path target(Path dir) throws IOException {
        return DeviceTargets.file(dir, TARGET_SIZE);
    }

    @Override
    protected BlockDevice newDevice(DeviceOptions options) throws IOException {
        return new DelayedDevice(BlockDevice.open(options), MAX_MICROS);
    }

    @Test
    void completionsArriveLaterAndInAnotherOrderThanTheyWereSubmitted() throws Exception {
        BlockDevice dev = open(options());
        int n = 64;
        MemorySegment buf = aligned(dev, (long) n * 4096);
        List<IoOp> reads = new ArrayList<>();
        for (int i = 0; i < n; i++) reads.add(IoOp.read(i * 4096L, buf.asSlice(i * 4096L, 4096)));
        List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        List<CompletableFuture<Void>> done = dev.submit(reads);
        for (int i = 0; i < n; i++) {
            int k = i;
            done.get(i).thenRun(() -> order.add(k));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
        long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
        // 64 delays drawn from [0, 2 ms]: the largest is below 0.5 ms with probability 0.25^64.
        assertTrue(micros >= MAX_MICROS / 4, "the batch took " + micros + " µs");
        assertEquals(n, order.size());
        assertTrue(!order.equals(order.stream().sorted().toList()), "completions in submission order: " + order);
    }

    @Test
    void aDelayBelowOneMicrosecondIsRefused() throws IOException {
        BlockDevice inner = BlockDevice.open(options());
        try {
            assertThrows(IllegalArgumentException.class, () -> new DelayedDevice(inner, 0));
        } finally {
            inner.close();
        }
    }
}
