package dev.rawblock.testkit.device;

import dev.rawblock.device.MemberHeader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What tests of a mirror on files check at the end: its two members hold the same data. */
public final class MirrorMembers {
    private MirrorMembers() {}

    /**
     * The two member files are equal byte for byte after their headers and intent bitmaps (from
     * {@link MemberHeader#DATA_OFFSET} on), and as long; the failing MiB is named.
     */
    public static void assertDataEqual(Path a, Path b) throws IOException {
        assertEquals(Files.size(a), Files.size(b), "member sizes");
        try (InputStream x = Files.newInputStream(a); InputStream y = Files.newInputStream(b)) {
            x.skipNBytes(MemberHeader.DATA_OFFSET);
            y.skipNBytes(MemberHeader.DATA_OFFSET);
            byte[] bx = new byte[1 << 20], by = new byte[1 << 20];
            for (long at = MemberHeader.DATA_OFFSET; ; at += bx.length) {
                int n = x.readNBytes(bx, 0, bx.length);
                assertEquals(n, y.readNBytes(by, 0, by.length));
                if (n == 0) return;
                assertTrue(Arrays.equals(bx, 0, n, by, 0, n), "the members differ in the MiB at " + at);
            }
        }
    }
}
