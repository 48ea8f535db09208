package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import dev.rawblock.testkit.device.MirrorMembers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store on a mirror from the command line: format --mirror, serve and stats on both members, and
 * a member replaced by a new file that serve rebuilds online until the two are equal byte for byte.
 */
@Timeout(180)
class MirrorCommandTest {
    private static final int KEYS = 24;

    @TempDir
    Path dir;

    private static byte[] value(int k) {
        byte[] b = new byte[100_000 + k * 1000];
        new Random(k).nextBytes(b);
        return b;
    }

    @Test
    void aReplacedMemberIsRebuiltOnlineAndTheMembersEndEqual() throws Exception {
        Path a = dir.resolve("a.img"), b = dir.resolve("b.img");
        Run format = rawblock("format", "--mirror", "--path", a.toString(), "--path", b.toString(), "--create-size",
                "128m", "--json");
        assertEquals(0, format.exitCode(), format.err());
        assertEquals(Boolean.TRUE, format.json().get("mirror"));
        assertTrue(format.out().contains("a mirror: every value on both"), format.out());

        int port = ServeProcess.freePort();
        String[] both = {"--path", b.toString()};
        try (ServeProcess served = ServeProcess.serve(a, port, both); Resp client = new Resp(port)) {
            for (int k = 0; k < KEYS; k++) assertTrue(client.set("k" + k, value(k)));
            assertTrue(client.info("rawblock").contains("mirror_state:healthy"), client.info("rawblock"));
            assertEquals(0, served.stop());
        }
        Run stats = rawblock("stats", "--path", b.toString(), "--path", a.toString(), "--json");
        assertEquals(0, stats.exitCode(), stats.err());
        Map<?, ?> mirror = assertInstanceOf(Map.class, stats.json().get("mirror"));
        assertEquals("healthy", mirror.get("state"));
        List<?> members = assertInstanceOf(List.class, stats.json().get("members"));
        double payload = assertInstanceOf(Double.class, stats.json().get("payload_bytes"));
        for (Object m : members) assertEquals(payload, ((Map<?, ?>) m).get("value_bytes"), "every value on each member");

        // The second drive is replaced: a new, empty file in its place. serve rebuilds it while it serves.
        Files.delete(b);
        try (ServeProcess served = ServeProcess.serve(a, port, "--path", b.toString(), "--capacity", "128m");
             Resp client = new Resp(port)) {
            // Said before "ready" (a small store may be rebuilt already by then).
            String said = served.log.stream().filter(l -> l.contains("mirror: ")).findFirst().orElseThrow();
            assertTrue(said.contains("rebuilding member 1") || said.contains("rebuilt already"), said);
            for (int k = 0; k < KEYS; k++) assertArrayEquals(value(k), client.get("k" + k), "k" + k + " while rebuilding");
            assertTrue(client.set("during-rebuild", value(99)));
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!client.info("rawblock").contains("mirror_state:healthy")) {
                assertTrue(System.nanoTime() < deadline, "rebuilt within 2 minutes: " + client.info("rawblock"));
                Thread.sleep(100);
            }
            assertEquals(0, served.stop());
        }
        MirrorMembers.assertDataEqual(a, b);
        Run fsck = rawblock("fsck", "--path", a.toString(), "--path", b.toString(), "--json");
        assertEquals(0, fsck.exitCode(), fsck.err());
        assertEquals((double) KEYS + 1, fsck.json().get("entries"));

        // The second drive dies while the server is down: serve --degraded from the first alone.
        Files.delete(b);
        Run alone = rawblock("stats", "--path", a.toString());
        assertEquals(1, alone.exitCode());
        assertTrue(alone.err().contains("serve --degraded"), alone.err());
        try (ServeProcess served = ServeProcess.serve(a, port, "--degraded"); Resp client = new Resp(port)) {
            assertTrue(client.info("rawblock").contains("mirror_state:degraded"), client.info("rawblock"));
            for (int k = 0; k < KEYS; k++) assertArrayEquals(value(k), client.get("k" + k), "k" + k + " from the survivor");
            assertEquals(0, served.stop());
        }
    }

    @Test
    void mirrorNeedsTwoPaths() {
        Run run = rawblock("format", "--mirror", "--path", dir.resolve("x.img").toString(), "--create-size", "64m");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--mirror needs exactly two --path, got 1"), run.err());
    }
}
