package dev.rawblock.server.clients;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** As many connections as LMCache's Redis connector opens, each moving a large value at once. */
class ManyConnectionsTest extends ServerFixture {
    /**
     * PROTOCOLS.md golden test 4: 150 concurrent connections (LMCache's pool size), each moving one
     * 32 MiB value in and out. The clients stream their values in chunks (4.8 GB would not fit in a
     * test heap as arrays); the server holds them within its memory budget.
     */
    @Test
    void oneHundredFiftyConnectionsEachMoveA32MiBValue() throws Exception {
        // 256 MiB regions hold 7 slots of 32 MiB plus a header block (64 MiB ones would hold only one).
        start(6L << 30, 256 * MIB, c -> c.withLimits(512, java.time.Duration.ofMinutes(2), 256 * MIB, 1024 * MIB));
        int clients = 150;
        int size = 32 << 20;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int id = i;
                done.add(pool.submit(() -> {
                    try (java.net.Socket s = connect(server.respAddress())) {
                        s.setSoTimeout(120_000); // 150 values share a 1 GiB budget: a client may wait its turn
                        LargeValues.set(s, "chunk-" + id, size, id);
                        assertEquals("+OK", line(s));
                        LargeValues.getAndVerify(s, "chunk-" + id, size, id);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertEquals(clients, store.stats().entries());
        assertEquals(0, store.stats().evictions());
        assertEquals(0, server.context().values().budgetUsed());
    }
}
