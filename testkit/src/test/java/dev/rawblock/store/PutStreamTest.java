package dev.rawblock.store;

import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Writing a value in pieces: the same entry as a put, nothing visible before commit, the same races. */
class PutStreamTest extends StoreFixture {
    private static final int PIECE = 256 * 1024;

    /** Writes {@code value} in pieces of {@link #PIECE}, two in flight; commits unless {@code upTo} stops short. */
    private PutResult stream(String key, byte[] value, long upTo, boolean commit) {
        try (Arena arena = Arena.ofShared(); PutStream s = store.beginPut(key(key), value.length)) {
            if (s.refusal() != null) return s.refusal();
            for (long from = 0; from < Math.min(upTo, value.length); from += PIECE) {
                int n = (int) Math.min(PIECE, value.length - from);
                MemorySegment piece = arena.allocate((n + s.block() - 1) / s.block() * s.block(), 4096);
                MemorySegment.copy(MemorySegment.ofArray(value), from, piece, 0, n);
                s.write(from, piece).join();
            }
            return commit ? s.commit() : null;
        }
    }

    @Test
    void aStreamedValueIsStoredLikeAnyOther() throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        byte[] value = bytes(1, 3 * PIECE + 17);
        assertEquals(PutResult.STORED, stream("s", value, Long.MAX_VALUE, true));
        assertArrayEquals(value, load("s"));
        store.close();
        store = Store.open(device, StoreOptions.defaults());
        assertArrayEquals(value, load("s"), "recovered after a clean close");
        assertNoLeak();
    }

    @Test
    void nothingIsVisibleBeforeCommitAndAnAbandonedPutLeavesNoTrace() throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        try (Arena arena = Arena.ofShared(); PutStream s = store.beginPut(key("p"), 2 * PIECE)) {
            s.write(0, arena.allocate(PIECE, 4096)).join();
            assertArrayEquals(new boolean[] {false}, store.existsMany(keys("p"), false), "not visible while written");
            assertEquals(PutResult.BUSY, put("p", bytes(2, 100)), "a concurrent put of the key");
        }
        assertNull(load("p"));
        assertEquals(PutResult.STORED, put("p", bytes(2, 100)), "the key is free again");
        assertEquals(PutResult.WRITE_FAILED, stream("short", bytes(3, 2 * PIECE), PIECE, true), "bytes missing at commit");
        assertNull(load("short"));
        assertNoLeak();
    }

    @Test
    void refusalsAndRaces() throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        put("there", bytes(4, 100_000));
        assertEquals(PutResult.ALREADY_STORED, stream("there", bytes(5, 100_000), Long.MAX_VALUE, true));
        assertEquals(PutResult.TOO_LARGE, stream("huge", new byte[(int) (9 * MIB)], 0, true));
        assertThrows(IllegalArgumentException.class, () -> store.beginPut(key("tiny"), 28), "inline values use putMany");
        try (Arena arena = Arena.ofShared(); PutStream s = store.beginPut(key("d"), PIECE)) {
            s.write(0, arena.allocate(PIECE, 4096)).join();
            assertArrayEquals(new boolean[] {true}, store.deleteMany(keys("d"), false));
            assertEquals(PutResult.CANCELED, s.commit(), "a delete while written cancels it");
            assertThrows(IllegalStateException.class, () -> s.write(0, arena.allocate(PIECE, 4096)));
        }
        assertNull(load("d"));
        assertNoLeak();
    }

    @Test
    void aCrashBeforeCommitLosesOnlyTheUnacknowledgedPut() throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        byte[] kept = bytes(6, 2 * PIECE);
        assertEquals(PutResult.STORED, stream("kept", kept, Long.MAX_VALUE, true));
        // Written in full but never committed when the process dies (the stream is never closed).
        Arena arena = Arena.ofShared();
        PutStream lost = store.beginPut(key("lost"), 2 * PIECE);
        lost.write(0, arena.allocate(2 * PIECE, 4096)).join();
        device.crash(3);
        try {
            store.close();
        } catch (IOException expected) {
            // a crashed device takes no final checkpoint
        }
        device.revive();
        store = Store.open(device, StoreOptions.defaults());
        assertArrayEquals(kept, load("kept"), "acknowledged: survives");
        assertNull(load("lost"), "never acknowledged: absent");
        assertEquals(1, store.stats().entries());
        arena.close();
    }
}
