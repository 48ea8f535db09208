package dev.rawblock.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wait for room in the memory budget ends after request-wait, whatever the idle timeout. */
class RequestWaitTest extends ServerFixture {
    @Test
    void aRequestWaitsForBudgetAtMostRequestWaitEvenWithoutIdleTimeout() throws Exception {
        // One value's worth of budget; the first client takes it and trickles its value a byte at a
        // time (never stalled, never done), so the second one's wait must end by itself.
        start(512 * MIB, 64 * MIB, c -> c.withLimits(16, ServerConfig.NEVER, 64 * MIB, 64 * MIB)
                .withRequestWait(Duration.ofMillis(500)));
        String header = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + (40 * MIB) + "\r\n";
        try (Socket holder = connect(server.respAddress()); Socket waiter = connect(server.respAddress())) {
            send(holder, header + "x"); // SET with 4 arguments is received whole: its buffer is taken now
            awaitBudgetUsed();
            Thread trickle = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (!Thread.interrupted()) {
                        send(holder, "x");
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException e) {
                    // the test is over
                }
            });
            long start = System.nanoTime();
            send(waiter, header);
            String reply = line(waiter);
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(reply.startsWith("-ERR server memory budget"), reply);
            assertTrue(waitedMillis >= 400 && waitedMillis < 10_000, "waited " + waitedMillis + " ms");
            assertEquals(0, readToEnd(waiter).length, "then closed: the value that follows cannot be parsed");
            trickle.interrupt();
        }
    }

    /**
     * A client that stops in the middle of a value is cut off after request-wait, even though idle
     * connections are never closed: its put ends, and a SET of the same key that waited for it runs.
     */
    @Test
    void aClientStalledInTheMiddleOfAValueIsCutOffAndItsKeyIsFreed() throws Exception {
        start(512 * MIB, c -> c.withLimits(16, ServerConfig.NEVER, 256 * MIB, 512 * MIB)
                .withRequestWait(Duration.ofMillis(500)));
        int length = 4 * (int) MIB; // streamed: the put of "k" is open while the value arrives
        try (Socket stalled = connect(server.respAddress()); Socket next = connect(server.respAddress());
             Socket idle = connect(server.respAddress())) {
            send(idle, "PING\r\n");
            assertEquals("+PONG", line(idle));
            send(stalled, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + length + "\r\n" + "y".repeat(1000));
            Thread.sleep(100);
            long start = System.nanoTime();
            send(next, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv2\r\n");
            assertEquals("+OK", line(next), "the waiting SET runs once the stalled one is cut off");
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMillis < 10_000, "waited " + waitedMillis + " ms");
            assertEquals(0, readToEnd(stalled).length, "the stalled client was closed");
            send(next, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
            assertEquals("$2", line(next));
            assertEquals("v2", line(next));
            Thread.sleep(1000);
            send(idle, "PING\r\n");
            assertEquals("+PONG", line(idle), "an idle connection between requests is kept");
        }
    }

    private void awaitBudgetUsed() throws InterruptedException, IOException {
        for (int i = 0; i < 200 && server.context().values().budgetUsed() == 0; i++) Thread.sleep(10);
        if (server.context().values().budgetUsed() == 0) throw new IOException("the first SET never took its buffer");
    }
}
