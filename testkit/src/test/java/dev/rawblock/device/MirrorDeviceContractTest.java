package dev.rawblock.device;

import dev.rawblock.testkit.device.BlockDeviceContract;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The contract on a mirror over two io_uring files: the target is member 0, its partner a file
 * beside it. The target is formatted once (before each test); every open after that is an open of
 * the set, as a store's restart would be.
 */
class MirrorDeviceContractTest extends BlockDeviceContract {
    @Override
    protected Path target(Path dir) throws IOException {
        Path target = dir.resolve("member0.img");
        try (MirrorDevice m = MirrorDevice.format(List.of(create(target), create(partner(target))),
                MirrorDevice.DEFAULT_ZONE_BYTES, MirrorDevice.DEFAULT_BLOCK_BYTES, 0x1234, 0x5678)) {
            assertEquals(TARGET_SIZE, m.size());
        }
        return target;
    }

    private static BlockDevice create(Path p) throws IOException {
        return BlockDevice.open(DeviceOptions.of(p).withCreateSize(TARGET_SIZE + MemberHeader.DATA_OFFSET).withArenaBytes(1 << 20));
    }

    static Path partner(Path target) {
        return target.resolveSibling(target.getFileName() + ".mirror");
    }

    @Override
    protected BlockDevice newDevice(DeviceOptions options) throws IOException {
        BlockDevice a = BlockDevice.open(options);
        try {
            BlockDevice b = BlockDevice.open(options.withPath(partner(options.path())));
            try {
                return MirrorDevice.open(List.of(a, b));
            } catch (IOException | RuntimeException e) {
                b.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    @Test
    void aWriteLandsOnBothMembersAtTheSameOffset() throws IOException {
        MemorySegment data;
        try (BlockDevice dev = newDevice(options())) {
            data = pattern(MemorySegment.ofArray(new byte[64 << 10]), 77);
            await(dev.submit(List.of(IoOp.write(1 << 20, data))));
            await(List.of(dev.flush()));
        }
        for (Path p : List.of(options().path(), partner(options().path()))) {
            try (BlockDevice member = BlockDevice.open(DeviceOptions.of(p).withArenaBytes(1 << 20))) {
                MemorySegment back = MemorySegment.ofArray(new byte[64 << 10]);
                await(member.submit(List.of(IoOp.read(MemberHeader.DATA_OFFSET + (1 << 20), back))));
                assertEquals(-1, data.mismatch(back), p.toString());
            }
        }
    }
}
