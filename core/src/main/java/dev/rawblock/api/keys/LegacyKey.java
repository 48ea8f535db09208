package dev.rawblock.api.keys;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * LMCache's legacy (non-MP) {@code CacheEngineKey.to_string()}, e.g.
 * {@code fmt@model@world_size@worker_id@chunk_hash[@dtype][@k%v tags...]}.
 *
 * <p><b>Opaque.</b> That format has changed over LMCache versions (hex hashes, dtype suffixes, tags, possibly a
 * dropped {@code fmt}), and the reference treats it as opaque. So do we: the caller's string is kept and stored
 * exactly, with no trimming or re-formatting. We only check it is non-empty and has at least 5 {@code '@'}-separated
 * fields; the field accessors parse positionally on demand and are for diagnostics only.
 *
 * <p><b>Layers.</b> The reference derived the slot identity from {@code chunk_hash}, so <em>all layers of a chunk
 * shared one identity</em>. We don't: {@link #forLayer} appends {@code "@layer=" + layer}, giving each layer its own
 * store key. That suffix is reserved: a caller's key whose last field already starts with {@code layer=} is rejected,
 * so {@code of(s).forLayer(n)} can never collide with some other caller string.
 *
 * @param keyString the caller's key string, exactly as given
 * @param layer     {@code null} for a whole-chunk key, else the layer index ({@code >= 0})
 */
public record LegacyKey(String keyString, Integer layer) {
    private static final String LAYER_TAG = "layer=";
    private static final int MIN_FIELDS = 5;

    public LegacyKey {
        Objects.requireNonNull(keyString, "keyString");
        if (keyString.isEmpty()) {
            throw new IllegalArgumentException("legacy key must not be empty");
        }
        String[] fields = fields(keyString);
        if (fields.length < MIN_FIELDS) {
            throw new IllegalArgumentException("invalid legacy key \"" + keyString + "\": expected at least "
                    + MIN_FIELDS + " '@'-separated fields (fmt@model@world_size@worker_id@chunk_hash), got "
                    + fields.length);
        }
        if (fields[fields.length - 1].startsWith(LAYER_TAG)) {
            throw new IllegalArgumentException("invalid legacy key \"" + keyString + "\": a last field starting with \""
                    + LAYER_TAG + "\" is reserved for per-layer keys (use forLayer or decode)");
        }
        if (layer != null && layer < 0) {
            throw new IllegalArgumentException("layer must be >= 0, got " + layer + " for \"" + keyString + "\"");
        }
        KeyCodecs.utf8Strict(keyString);   // bytes() must be exact; reject strings with no UTF-8 form
    }

    /** A whole-chunk key holding {@code keyString} exactly as given. */
    public static LegacyKey of(String keyString) {
        return new LegacyKey(keyString, null);
    }

    /** The key of one layer of this chunk; replaces any layer this key already has. */
    public LegacyKey forLayer(int layer) {
        return new LegacyKey(keyString, layer);
    }

    /** The stored string: {@code keyString}, plus {@code "@layer=<n>"} for a per-layer key. */
    public String encode() {
        return layer == null ? keyString : keyString + "@" + LAYER_TAG + layer;
    }

    /** The store key: UTF-8 of {@link #encode()}. */
    public byte[] bytes() {
        return encode().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Inverse of {@link #encode()} (e.g. for keys read back from a checkpoint): a trailing {@code "@layer=<n>"} with
     * a canonical decimal {@code n} becomes the layer; everything else is the opaque key string.
     */
    public static LegacyKey decode(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        int at = encoded.lastIndexOf('@');
        if (at < 0 || !encoded.startsWith(LAYER_TAG, at + 1)) {
            return of(encoded);
        }
        String digits = encoded.substring(at + 1 + LAYER_TAG.length());
        int layer;
        try {
            layer = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid legacy key \"" + encoded + "\": bad layer \"" + digits + "\"", e);
        }
        // Only what encode() writes: no sign, no leading zeros, so each layer has one spelling.
        if (layer < 0 || !Integer.toString(layer).equals(digits)) {
            throw new IllegalArgumentException("invalid legacy key \"" + encoded + "\": bad layer \"" + digits + "\"");
        }
        return new LegacyKey(encoded.substring(0, at), layer);
    }

    // Positional fields of the caller's string, for diagnostics (the format is not stable across LMCache versions).
    public String fmt() { return field(0); }
    public String model() { return field(1); }
    public String worldSize() { return field(2); }
    public String workerId() { return field(3); }
    /** The raw chunk-hash field (decimal or hex depending on the LMCache version). */
    public String chunkHash() { return field(4); }

    /** Fields after the chunk hash, e.g. a dtype ({@code bfloat16}, {@code fp8_e4m3}) or {@code k%v} tags. */
    public List<String> extraFields() {
        String[] f = fields(keyString);
        return List.of(Arrays.copyOfRange(f, MIN_FIELDS, f.length));
    }

    private String field(int i) {
        return fields(keyString)[i];
    }

    private static String[] fields(String s) {
        return s.split("@", -1);   // -1: keep empty trailing fields, so the count is exact
    }
}
