package dev.rawblock.server.resp;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Expiry, listing and FLUSHALL over RESP, with Redis's exact replies (raw bytes). */
class KeyspaceCommandsTest extends ServerFixture {

    @Test
    void expiryAnswersAsRedisDoes() throws Exception {
        start();
        try (Socket s = connect(server.respAddress())) {
            assertEquals(":-2", roundTrip(s, "TTL", "absent"));
            assertEquals(":-2", roundTrip(s, "PTTL", "absent"));
            assertEquals("+OK", roundTrip(s, "SET", "k", "v"));
            assertEquals(":-1", roundTrip(s, "TTL", "k"), "no expiry");
            assertEquals(":0", roundTrip(s, "EXPIRE", "absent", "10"));
            assertEquals(":1", roundTrip(s, "EXPIRE", "k", "100"));
            assertEquals(":100", roundTrip(s, "TTL", "k"));
            String pttl = roundTrip(s, "PTTL", "k");
            long ms = Long.parseLong(pttl.substring(1));
            assertTrue(ms > 99_000 && ms <= 100_000, pttl);
            assertEquals(":0", roundTrip(s, "EXPIRE", "k", "50", "NX"), "NX: it has one");
            assertEquals(":0", roundTrip(s, "EXPIRE", "k", "50", "GT"), "GT: 50 is not later");
            assertEquals(":1", roundTrip(s, "EXPIRE", "k", "50", "LT"));
            assertEquals(":50", roundTrip(s, "TTL", "k"));
            long at = System.currentTimeMillis() / 1000 + 1000;
            assertEquals(":1", roundTrip(s, "EXPIREAT", "k", Long.toString(at)));
            assertEquals(":" + at, roundTrip(s, "EXPIRETIME", "k"));
            assertEquals(":1", roundTrip(s, "PERSIST", "k"));
            assertEquals(":0", roundTrip(s, "PERSIST", "k"), "nothing to remove");
            assertEquals(":-1", roundTrip(s, "PEXPIRETIME", "k"));
            assertEquals("-ERR value is not an integer or out of range", roundTrip(s, "EXPIRE", "k", "ten"));
            assertEquals("-ERR wrong number of arguments for 'ttl' command", roundTrip(s, "TTL"));
            assertEquals("+OK", roundTrip(s, "SET", "short", "v", "PX", "200"));
            assertEquals("$1", roundTrip(s, "GET", "short"));
            assertEquals("v", line(s));
            Thread.sleep(300);
            assertEquals("$-1", roundTrip(s, "GET", "short"), "expired: never served");
            assertEquals(":0", roundTrip(s, "EXISTS", "short"));
            assertEquals(":1", roundTrip(s, "EXPIRE", "k", "-1"), "a time in the past deletes");
            assertEquals(":0", roundTrip(s, "EXISTS", "k"));
        }
    }

    @Test
    void setGetAnswersTheOldValue() throws Exception {
        start();
        try (Socket s = connect(server.respAddress())) {
            assertEquals("$-1", roundTrip(s, "SET", "k", "v1", "GET"), "no old value");
            assertEquals("$2", roundTrip(s, "SET", "k", "v2", "GET", "EX", "100"));
            assertEquals("v1", line(s));
            assertEquals("$2", roundTrip(s, "SET", "k", "v3", "KEEPTTL", "GET"));
            assertEquals("v2", line(s));
            assertEquals(":100", roundTrip(s, "TTL", "k"), "KEEPTTL kept it");
            assertEquals("+OK", roundTrip(s, "SET", "k", "v4"));
            assertEquals(":-1", roundTrip(s, "TTL", "k"), "a plain SET clears it");
            assertEquals("$2", roundTrip(s, "SET", "k", "v5", "NX", "GET"), "NX with GET: not set, the old value");
            assertEquals("v4", line(s));
        }
    }

    @Test
    void scanKeysRandomkeyAndFlushall() throws Exception {
        start();
        try (Socket s = connect(server.respAddress())) {
            Set<String> all = new TreeSet<>();
            for (int i = 0; i < 120; i++) {
                String k = (i % 2 == 0 ? "user:" : "item:") + i;
                assertEquals("+OK", roundTrip(s, "SET", k, "v"));
                all.add(k);
            }
            Set<String> scanned = new TreeSet<>();
            String cursor = "0";
            int pages = 0;
            do {
                assertEquals("*2", roundTrip(s, "SCAN", cursor, "COUNT", "25"));
                line(s); // $n
                cursor = line(s);
                int n = Integer.parseInt(line(s).substring(1));
                for (int i = 0; i < n; i++) {
                    line(s);
                    assertTrue(scanned.add(line(s)));
                }
                pages++;
            } while (!cursor.equals("0"));
            assertEquals(all, scanned);
            assertTrue(pages >= 5, pages + " pages of at most 25");

            String keys = roundTrip(s, "KEYS", "user:1?");
            List<String> users = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(keys.substring(1)); i++) {
                line(s);
                users.add(line(s));
            }
            assertEquals(new TreeSet<>(List.of("user:10", "user:12", "user:14", "user:16", "user:18")), new TreeSet<>(users));
            assertEquals("-ERR invalid cursor", roundTrip(s, "SCAN", "minus"));

            assertTrue(roundTrip(s, "RANDOMKEY").startsWith("$"));
            assertTrue(all.contains(line(s)));
            assertEquals("+OK", roundTrip(s, "FLUSHALL"));
            assertEquals(":0", roundTrip(s, "DBSIZE"));
            assertEquals("$-1", roundTrip(s, "RANDOMKEY"));
            assertEquals("*2", roundTrip(s, "SCAN", "0"));
            line(s);
            assertEquals("0", line(s));
            assertEquals("*0", line(s));
            assertEquals("+OK", roundTrip(s, "FLUSHDB", "ASYNC"));
            assertEquals("-ERR syntax error", roundTrip(s, "FLUSHALL", "LATER"));
        }
    }

}
