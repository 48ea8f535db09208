package dev.rawblock.store;

import dev.rawblock.device.IoOp;
import dev.rawblock.testkit.store.StoreFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading a value in pieces: the same bytes as a load, and a bad slot never passes finish(). */
class ValueReaderTest extends StoreFixture {
    private static final int PIECE = 64 * 1024;

    /**
     * Reads the whole value in pieces with two in flight, as the server does: the last piece only
     * after finish() vouched for it; null when finish() refuses.
     */
    private byte[] readInPieces(ValueReader r) {
        assertTrue(r.headerMatches());
        long length = r.length();
        byte[] out = new byte[(int) length];
        try (Arena arena = Arena.ofShared()) {
            int pieces = (int) ((length + PIECE - 1) / PIECE);
            MemorySegment[] buf = {arena.allocate(PIECE, 4096), arena.allocate(PIECE, 4096)};
            CompletableFuture<?>[] inFlight = new CompletableFuture<?>[2];
            for (int k = 0; k < Math.min(2, pieces); k++) inFlight[k] = r.read((long) k * PIECE, padded(buf[k], k, length, r));
            for (int k = 0; k < pieces; k++) {
                inFlight[k % 2].join();
                long from = (long) k * PIECE;
                int n = (int) Math.min(PIECE, length - from);
                MemorySegment bytes = buf[k % 2].asSlice(0, n);
                r.check(bytes);
                if (k == pieces - 1 && !r.finish()) return null;
                MemorySegment.copy(bytes, 0, MemorySegment.ofArray(out), from, n);
                if (k + 2 < pieces) inFlight[k % 2] = r.read((long) (k + 2) * PIECE, padded(buf[k % 2], k + 2, length, r));
            }
        }
        return out;
    }

    private static MemorySegment padded(MemorySegment buffer, int k, long length, ValueReader r) {
        long from = (long) k * PIECE;
        long n = Math.min(PIECE, length - from);
        return buffer.asSlice(0, (n + r.block() - 1) / r.block() * r.block());
    }

    /** Flips a payload byte of the first slot of the first region (the first value put) behind the store's back. */
    private void flipPayloadByteOfFirstSlot() {
        long offset = store.superblock().regionBase() + 8192;
        try (var buf = raw.buffers().allocate(4096)) {
            raw.submit(List.of(IoOp.read(offset, buf.segment()))).getFirst().join();
            buf.segment().set(ValueLayout.JAVA_BYTE, 17, (byte) ~buf.segment().get(ValueLayout.JAVA_BYTE, 17));
            raw.submit(List.of(IoOp.write(offset, buf.segment()))).getFirst().join();
        }
    }

    @Test
    void piecesGiveTheStoredBytes() throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        for (int size : new int[] {5000, PIECE, 3 * PIECE + 17, 1_000_000}) {
            put("v" + size, bytes(size, size));
            try (ValueReader r = store.openReader(key("v" + size))) {
                assertEquals(size, r.length());
                assertArrayEquals(bytes(size, size), readInPieces(r), "size " + size);
            }
        }
        assertEquals(4, store.stats().hits());
    }

    /**
     * Puts a value of two halves of {@code 2 * PIECE} bytes, optionally corrupts it, reads it in its
     * two halves without ever calling check(), and checks that the second half is held back until
     * finish(); returns finish()'s verdict and the caller's memory after it.
     */
    private boolean readHalvesWithoutCheck(boolean corrupt, byte[] after) throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        int half = 2 * PIECE;
        put("k", bytes(6, 2 * half));
        try (ValueReader r = store.openReader(key("k")); Arena arena = Arena.ofConfined()) {
            assertTrue(r.headerMatches());
            if (corrupt) flipPayloadByteOfFirstSlot();
            MemorySegment dst = arena.allocate(2 * half, 4096);
            r.read(0, dst.asSlice(0, half)).join();
            r.read(half, dst.asSlice(half, half)).join();
            for (long i = half; i < 2 * half; i++) {
                assertEquals(0, dst.get(ValueLayout.JAVA_BYTE, i), "the last piece is held back before finish(): byte " + i);
            }
            boolean ok = r.finish();
            MemorySegment.copy(dst, ValueLayout.JAVA_BYTE, 0, after, 0, after.length);
            return ok;
        }
    }

    @Test
    void theVerdictIsTheReadersOwnAndTheLastPieceWaitsForIt() throws IOException {
        byte[] after = new byte[4 * PIECE];
        assertTrue(readHalvesWithoutCheck(false, after), "no check() calls needed: the reader checksums what it read");
        assertArrayEquals(bytes(6, 4 * PIECE), after);
        assertThrows(IllegalArgumentException.class, () -> {
            try (ValueReader r = store.openReader(key("k"))) {
                r.read(PIECE, MemorySegment.NULL); // pieces go in order, from the start
            }
        });
    }

    @Test
    void aCorruptValuesLastPieceNeverReachesTheCaller() throws IOException {
        byte[] after = new byte[4 * PIECE];
        assertFalse(readHalvesWithoutCheck(true, after));
        for (int i = 2 * PIECE; i < 4 * PIECE; i++) assertEquals(0, after[i], "byte " + i);
    }

    @Test
    void missesAndSmallValuesHaveNoReader() throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        assertNull(store.openReader(key("absent")));
        put("tiny", bytes(1, 28));
        assertNull(store.openReader(key("tiny")), "a value inside its header is loaded whole");
        put("big", bytes(2, 100_000));
        try (ValueReader r = store.openReader(key("big"))) {
            assertThrows(IllegalArgumentException.class, () -> r.read(100, MemorySegment.NULL), "not at a block");
        }
    }

    @Test
    void aDeleteBetweenOpenAndReadIsAMissNotWrongBytes() throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        put("k", bytes(3, 200_000));
        try (ValueReader r = store.openReader(key("k"))) {
            store.deleteMany(keys("k"), false);
            put("other", bytes(4, 200_000)); // may take over k's slot
            // The header was read at open, so it may still name k; then the payload, read after the
            // reuse, fails finish(). Either way k's bytes or nothing: never another value's.
            if (r.headerMatches()) {
                byte[] got = readInPieces(r);
                if (got != null) assertArrayEquals(bytes(3, 200_000), got);
            }
        }
        assertArrayEquals(bytes(4, 200_000), load("other"), "the race dropped nothing that is stored");
        assertEquals(0, store.stats().checksumFailures(), "a race is not corruption");
    }

    @Test
    void aCorruptPayloadFailsFinishAndDropsTheEntry() throws IOException {
        open(64 * MIB, 8 * MIB, StoreOptions.defaults());
        put("k", bytes(5, 300_000));
        long before = store.stats().checksumFailures();
        try (ValueReader r = store.openReader(key("k"))) {
            assertTrue(r.headerMatches());
            flipPayloadByteOfFirstSlot();
            assertNull(readInPieces(r), "finish() refuses bytes whose checksum does not match");
            assertFalse(r.finish());
        }
        assertEquals(before + 1, store.stats().checksumFailures());
        assertNull(load("k"), "the corrupt entry is gone");
    }
}
