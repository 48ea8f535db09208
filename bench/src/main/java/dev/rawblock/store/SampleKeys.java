package dev.rawblock.store;

import dev.rawblock.api.keys.ObjectKey;

import java.util.SplittableRandom;

/** Keys shaped like the ones LMCache stores, so that hashing and header costs are the real ones. */
final class SampleKeys {
    private SampleKeys() {}

    /**
     * An LMCache object key for one KV-cache chunk: quoted model name, KV rank and a 32-byte chunk
     * hash in hex, e.g. {@code meta-llama%2FLlama-3.1-8B-Instruct@0x00000000@3f9a...}: 110 bytes.
     */
    static byte[] chunkKey(long seed) {
        byte[] chunkHash = new byte[32];
        new SplittableRandom(seed).nextBytes(chunkHash);
        return new ObjectKey("meta-llama/Llama-3.1-8B-Instruct", 0, chunkHash, "").bytes();
    }
}
