package dev.rawblock.server.clients;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * valkey-glide, the client of LMCache MP's {@code valkey} L2 adapter (its Node.js binding, over
 * the same Rust core as the Python one LMCache uses), run as LMCache runs it: 8 standalone
 * clients, each connecting with HELLO 3, CLIENT SETINFO and INFO REPLICATION (glide refuses a
 * server without {@code role:master}), then SET/GET of 1 and 4 MiB chunks under MP keys, EXISTS,
 * STRLEN, DEL, and INFO memory parsed for used_memory and maxmemory
 * ({@code glide_valkey_adapter.js}).
 *
 * <p>The client is the pinned one {@link Glide} installs.
 */
class ValkeyGlideTest extends ServerFixture {
    private static Path node;

    @BeforeAll
    static void installGlide() throws Exception {
        node = Glide.install();
    }

    private Glide.Result adapter(String... args) throws Exception {
        Path script = Path.of(getClass().getResource("/glide_valkey_adapter.js").toURI());
        List<String> command = new ArrayList<>(List.of(node.toString(), script.toString(),
                Integer.toString(server.respAddress().getPort())));
        command.addAll(List.of(args));
        return Glide.run(command, 180);
    }

    private static void assertOk(Glide.Result r) {
        assertEquals(0, r.exit(), r.output());
        String last = r.output().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("{\"ok\":true"), r.output());
        assertTrue(last.contains("\"lib_name\":\"GlideJS\""), "CLIENT SETINFO was kept: " + last);
        assertTrue(last.contains("\"resp\":\"3\""), "glide speaks RESP3: " + last);
        assertTrue(last.contains("\"clients\":8"), "8 workers, 8 connections: " + last);
    }

    @Test
    void connectsAndMovesChunksAsLmcacheValkeyAdapter() throws Exception {
        start(1L << 30, c -> c);
        assertOk(adapter());
        assertEquals(8, store.stats().entries(), "each worker's 4 MiB chunk stays, its 1 MiB one was deleted");
    }

    @Test
    void withAPasswordItAuthenticatesInHello() throws Exception {
        start(1L << 30, c -> c.withRequirePass("s3cret"));
        assertOk(adapter("s3cret"));
        Glide.Result wrong = adapter("wrong", "--expect-auth-failure");
        assertEquals(0, wrong.exit(), wrong.output());
        assertTrue(wrong.output().contains("\"refused\":true"), wrong.output());
        assertTrue(server.stats().authFailures() > 0);
    }
}
