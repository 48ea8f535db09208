package dev.rawblock.device;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static dev.rawblock.testkit.device.BlockDeviceContract.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the mirror tests on real files share: members sized for a set, and reading a set back against a model. */
final class MirrorFiles {
    private MirrorFiles() {}

    /** The io_uring file {@code name} in {@code dir}, created with room for a set of {@code setBytes}. */
    static BlockDevice member(Path dir, String name, long setBytes) throws IOException {
        return BlockDevice.open(DeviceOptions.of(dir.resolve(name)).withCreateSize(setBytes + MemberHeader.DATA_OFFSET)
                .withArenaBytes(4 << 20));
    }

    /** Reads the whole set, a MiB at a time, and checks it holds {@code model}. */
    static void assertHolds(BlockDevice set, byte[] model) {
        int chunk = 1 << 20;
        for (long at = 0; at < model.length; at += chunk) {
            MemorySegment back = MemorySegment.ofArray(new byte[chunk]);
            await(set.submit(List.of(IoOp.read(at, back))));
            assertEquals(-1, MemorySegment.ofArray(model).asSlice(at, chunk).mismatch(back), "at " + at);
        }
    }
}
