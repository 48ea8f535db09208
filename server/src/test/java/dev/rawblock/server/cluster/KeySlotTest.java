package dev.rawblock.server.cluster;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CRC16 and key slots against Redis's published vectors and what redis-server 7.0.15 answers to CLUSTER KEYSLOT. */
class KeySlotTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void crc16IsXmodem() {
        // The check value in Redis's cluster specification (and crc16.c's own test).
        assertEquals(0x31C3, Crc16.of(b("123456789")));
        assertEquals(0, Crc16.of(new byte[0]));
        assertEquals(0x31C3, Crc16.of(b("xx123456789yy"), 2, 11), "a sub-range is hashed alone");
    }

    @Test
    void slotsAsRedisComputesThem() {
        // Recorded from redis-server 7.0.15: CLUSTER KEYSLOT <key>.
        Map<String, Integer> redis = Map.ofEntries(
                Map.entry("123456789", 12739), Map.entry("somekey", 11058), Map.entry("foo", 12182),
                Map.entry("bar", 5061), Map.entry("", 0), Map.entry("model@00000000@0@deadbeef", 2989),
                // hash tags: the first non-empty {...} counts
                Map.entry("foo{hash_tag}", 2515), Map.entry("bar{hash_tag}", 2515),
                Map.entry("{user1}.a", 8106), Map.entry("{user1}.b", 8106), Map.entry("user1", 8106),
                Map.entry("{}x", 10595), Map.entry("x{y", 2740), Map.entry("a{b}{c}", 3300), Map.entry("b", 3300),
                Map.entry("{{b}}", 6215), Map.entry("{b", 6215), Map.entry("foo{}{bar}", 8363),
                Map.entry("foo{{bar}}zap", 4015), Map.entry("foo{bar}{zap}", 5061));
        redis.forEach((key, slot) -> assertEquals(slot, KeySlot.of(b(key)), key));
    }

    @Test
    void binaryKeysHashByTheirBytes() {
        byte[] key = {(byte) 0xff, 0, '{', 'a', '}', '\r', '\n'};
        assertEquals(KeySlot.of(b("a")), KeySlot.of(key));
        for (int i = 0; i < 1000; i++) {
            int slot = KeySlot.of(b("k" + i));
            assertEquals(Crc16.of(b("k" + i)) % 16384, slot);
        }
    }
}
