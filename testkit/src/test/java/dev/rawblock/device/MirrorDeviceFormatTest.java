package dev.rawblock.device;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What format and open accept, and the one-line refusals of what they do not. */
class MirrorDeviceFormatTest {
    private static final long SET_BYTES = 8L << 20;

    @TempDir
    Path dir;

    private BlockDevice file(String name) throws IOException {
        return MirrorFiles.member(dir, name, SET_BYTES);
    }

    @Test
    void theSetIsTheSmallerMembersRoomAfterTheHeaderAndBitmap() throws IOException {
        BlockDevice small = file("a.img"), large = MirrorFiles.member(dir, "b.img", SET_BYTES + (3 << 20) + 4096);
        try (MirrorDevice dev = MirrorDevice.format(List.of(small, large), 1 << 20, 4096, 1, 2)) {
            assertEquals(SET_BYTES, dev.size());
            assertEquals("healthy", dev.state().state());
            assertEquals(0, dev.state().markedZones());
            MemberHeader h = DeviceSet.read(dev.members().get(1));
            assertEquals(MemberHeader.Layout.MIRROR, h.layout());
            assertEquals(1, h.index());
            assertEquals(1 << 20, h.zoneBytes());
            assertEquals(0, h.failedMask());
        }
    }

    @Test
    void aBadGeometryIsRefused() throws IOException {
        try (BlockDevice a = file("a.img"); BlockDevice b = file("b.img")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MirrorDevice.format(List.of(a, b), (1 << 20) + 512, 4096, 1, 2));
            assertTrue(e.getMessage().contains("whole blocks of 4096"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> MirrorDevice.format(List.of(a, b), 1 << 20, 2048, 1, 2));
            assertTrue(e.getMessage().contains("at least 4096"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> MirrorDevice.format(List.of(a), 1 << 20, 4096, 1, 2));
            assertTrue(e.getMessage().contains("2 members"), e.getMessage());
        }
    }

    @Test
    void aMemberOfAnotherMirrorIsRefused() throws IOException {
        MirrorDevice.format(List.of(file("a.img"), file("b.img")), 1 << 20, 4096, 1, 2).close();
        MirrorDevice.format(List.of(file("c.img"), file("d.img")), 1 << 20, 4096, 3, 4).close();
        try (BlockDevice a = file("a.img"); BlockDevice d = file("d.img")) {
            IOException e = assertThrows(IOException.class, () -> MirrorDevice.open(List.of(a, d)));
            assertTrue(e.getMessage().contains("not a member of set"), e.getMessage());
        }
    }

    @Test
    void twoOutOfDateMembersAreRefused() throws IOException {
        MirrorDevice.format(List.of(file("a.img"), file("b.img")), 1 << 20, 4096, 1, 2).close();
        try (BlockDevice a = file("a.img"); BlockDevice b = file("b.img")) {
            MemberHeader h = DeviceSet.read(a);
            DeviceSet.writeAll(List.of(a, b), List.of(h.withState(7, 0b11), DeviceSet.read(b).withState(7, 0b11)));
            IOException e = assertThrows(IOException.class, () -> MirrorDevice.open(List.of(a, b)));
            assertTrue(e.getMessage().contains("are out of date"), e.getMessage());
        }
    }
}
