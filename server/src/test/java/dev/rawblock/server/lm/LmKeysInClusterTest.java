package dev.rawblock.server.lm;

import dev.rawblock.server.cluster.SlotKeys;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLUSTER COUNTKEYSINSLOT counts Redis keys only: it must know lm://'s namespace as LmSession writes it. */
class LmKeysInClusterTest {
    @Test
    void lmKeysAreNotRedisKeys() {
        assertFalse(SlotKeys.isRedisKey(LmSession.storeKey("model@0@1@abc".getBytes(StandardCharsets.UTF_8))));
        assertFalse(SlotKeys.isRedisKey(LmSession.storeKey(new byte[0])));
        assertTrue(SlotKeys.isRedisKey("model@0@1@abc".getBytes(StandardCharsets.UTF_8)));
        assertTrue(SlotKeys.isRedisKey(new byte[] {0, 'l'}));
    }
}
