package dev.rawblock.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wait for room in the memory budget ends after request-wait, whatever the idle timeout. */
class RequestWaitTest extends ServerFixture {
    @Test
    void aRequestWaitsForBudgetAtMostRequestWaitEvenWithoutIdleTimeout() throws Exception {
        // One value's worth of budget; the first client takes it and goes silent, and is never
        // closed (idle timeout 0), so the second one's wait must end by itself.
        start(512 * MIB, 64 * MIB, c -> c.withLimits(16, ServerConfig.NEVER, 64 * MIB, 64 * MIB)
                .withRequestWait(Duration.ofMillis(500)));
        String header = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + (40 * MIB) + "\r\n";
        try (Socket holder = connect(server.respAddress()); Socket waiter = connect(server.respAddress())) {
            send(holder, header + "x"); // SET with 4 arguments is received whole: its buffer is taken now
            awaitBudgetUsed();
            long start = System.nanoTime();
            send(waiter, header);
            String reply = line(waiter);
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(reply.startsWith("-ERR server memory budget"), reply);
            assertTrue(waitedMillis >= 400 && waitedMillis < 10_000, "waited " + waitedMillis + " ms");
            assertEquals(0, readToEnd(waiter).length, "then closed: the value that follows cannot be parsed");
            assertFalse(holder.isClosed());
        }
    }

    private void awaitBudgetUsed() throws InterruptedException, IOException {
        for (int i = 0; i < 200 && server.context().values().budgetUsed() == 0; i++) Thread.sleep(10);
        if (server.context().values().budgetUsed() == 0) throw new IOException("the first SET never took its buffer");
    }
}
