package dev.rawblock.api.keys;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * LMCache's multi-process (MP) object key, encoded exactly as the reference {@code key_codec.py} does (namespace
 * {@code object}):
 *
 * <pre>urlquote(model_name, safe="") "@" format(kv_rank, "#010x") "@" chunk_hash.hex() ["@" cache_salt]</pre>
 *
 * e.g. {@code org%2Fmodel@0x00000002@deadbeef@tenant}. Quoting the model name is what keeps {@code '@'} (and
 * {@code '/'}) in it from breaking the split, so names like {@code org/model} or ones containing {@code -SEP-}
 * round-trip (checklist item 68).
 *
 * <p>MP keys carry no layer: the MP adapter stores a whole chunk per key. Newer LMCache keys also carry an
 * {@code object_group_id}, but the reference codec does not encode it, so neither do we.
 *
 * @param modelName any string (quoted when encoded)
 * @param kvRank    non-negative; {@code "#010x"} of a negative number is {@code -0x0000001} in Python, which has
 *                  no meaningful rank, so it is rejected rather than given a second encoding
 * @param chunkHash the chunk hash bytes (copied in and out, so the key is immutable)
 * @param cacheSalt {@code ""} for none; must not contain {@code '@'}, because the reference appends it unquoted and
 *                  a salt with {@code '@'} would make a key that no longer splits back into 4 parts
 */
public record ObjectKey(String modelName, int kvRank, byte[] chunkHash, String cacheSalt) {

    public ObjectKey {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(chunkHash, "chunkHash");
        Objects.requireNonNull(cacheSalt, "cacheSalt (use \"\" for no salt)");
        if (kvRank < 0) {
            throw new IllegalArgumentException("kvRank must be >= 0, got " + kvRank);
        }
        if (cacheSalt.indexOf('@') >= 0) {
            throw new IllegalArgumentException("cacheSalt must not contain '@' (it is not quoted): \"" + cacheSalt + "\"");
        }
        // Fail at construction, not at first encode, on strings that have no UTF-8 form.
        KeyCodecs.utf8Strict(modelName);
        KeyCodecs.utf8Strict(cacheSalt);
        chunkHash = chunkHash.clone();
    }

    /** A copy: the array is part of the key's identity and must not change under a stored key. */
    @Override
    public byte[] chunkHash() {
        return chunkHash.clone();
    }

    /** The reference's encoded string; the index and checkpoint key. */
    public String encode() {
        String s = KeyCodecs.urlQuote(modelName) + "@" + String.format(Locale.ROOT, "0x%08x", kvRank) + "@"
                + KeyCodecs.hex(chunkHash);
        return cacheSalt.isEmpty() ? s : s + "@" + cacheSalt;
    }

    /** The store key: UTF-8 of {@link #encode()}. */
    public byte[] bytes() {
        return encode().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses an {@link #encode()}d key. Only the canonical form is accepted ({@code decode(s).encode().equals(s)}
     * always holds), so two different store keys can never decode to the same {@code ObjectKey}.
     *
     * @throws IllegalArgumentException naming the input if it is not 3 or 4 {@code '@'}-separated parts, the rank is
     *     not {@code 0x} plus 8 lowercase hex digits, the hash is not lowercase hex, or the model name has a malformed
     *     {@code %} escape
     */
    public static ObjectKey decode(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        String[] parts = encoded.split("@", -1);   // -1: keep an empty trailing hash field (0-byte hash)
        if (parts.length != 3 && parts.length != 4) {
            throw bad(encoded, "expected 3 or 4 '@'-separated parts, got " + parts.length);
        }
        if (parts.length == 4 && parts[3].isEmpty()) {
            throw bad(encoded, "empty cache salt field (an empty salt is encoded by omitting the field)");
        }
        ObjectKey key;
        try {
            key = new ObjectKey(KeyCodecs.urlUnquote(parts[0]), parseRank(parts[1]), KeyCodecs.unhex(parts[2]),
                    parts.length == 4 ? parts[3] : "");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid object key \"" + encoded + "\": " + e.getMessage(), e);
        }
        // Catches what the field parsers accept but encode() would never write: "%2f" or a raw "/" in the name.
        String canonical = key.encode();
        if (!canonical.equals(encoded)) {
            throw bad(encoded, "not in canonical form (re-encodes as \"" + canonical + "\")");
        }
        return key;
    }

    /** Exactly what {@code format(kv_rank, "#010x")} writes for 0..2^31-1. */
    private static int parseRank(String s) {
        if (s.length() != 10 || !s.startsWith("0x")) {
            throw new IllegalArgumentException("kv rank \"" + s + "\" is not 0x followed by 8 hex digits");
        }
        for (int i = 2; i < 10; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new IllegalArgumentException("kv rank \"" + s + "\" has a non-lowercase-hex digit '" + c + "'");
            }
        }
        long rank = HexFormat.fromHexDigitsToLong(s, 2, 10);
        if (rank > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("kv rank \"" + s + "\" exceeds 0x7fffffff");
        }
        return (int) rank;
    }

    private static IllegalArgumentException bad(String encoded, String why) {
        return new IllegalArgumentException("invalid object key \"" + encoded + "\": " + why);
    }

    // Records compare arrays by reference; a key must compare by content.
    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectKey k && kvRank == k.kvRank && modelName.equals(k.modelName)
                && Arrays.equals(chunkHash, k.chunkHash) && cacheSalt.equals(k.cacheSalt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelName, kvRank, Arrays.hashCode(chunkHash), cacheSalt);
    }

    @Override
    public String toString() {
        return "ObjectKey[modelName=" + modelName + ", kvRank=" + kvRank + ", chunkHash="
                + KeyCodecs.hex(chunkHash) + ", cacheSalt=" + cacheSalt + "]";
    }
}
