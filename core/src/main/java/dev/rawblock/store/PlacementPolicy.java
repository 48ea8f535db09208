package dev.rawblock.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a store spreads its writes over the FDP placement handles of its namespace: what the
 * operator chooses ({@code --placement}); {@link Placement} applies it to the handles a device has.
 *
 * <p><b>The default ({@code auto}).</b> Metadata — superblock, journal, checkpoints — on the first
 * placement handle, and values on the others by the slot size of their region's size class:
 * under 64 KiB, under 1 MiB, under 16 MiB, and larger (with fewer handles, neighbouring bands
 * share one). The slot size, not the value's own size, so that all of a region's writes share a
 * handle even when its class holds values on both sides of a bound. Why size: a reclaim unit is
 * cheap to reclaim when everything in it dies at about the same time. The journal is rewritten
 * in a ring every few seconds and checkpoints every minute — their blocks die young and together,
 * and apart from values they never force a value to be copied. Values of one size class live in
 * regions of that class, and the store evicts and reuses space region by region, coldest first,
 * so a class's data is written and invalidated in large runs; KV-cache chunks (full chunks of
 * 1–80 MiB, their partial last chunks, and LMCache's 28-byte {@code <key>metadata} companions)
 * fall into different bands and have different churn, and small values, freed slot by slot, are
 * the only ones likely to leave reclaim units part-valid. Separating them keeps that cost where
 * it arises. {@code docs/nvme.md} works out the write amplification this gives.
 *
 * @param enabled       false: no write carries a placement ({@code off})
 * @param metadataIndex which of the namespace's placement handles (an index into its list) takes metadata
 * @param bands         upper bounds (exclusive, bytes, ascending) of the value-size bands; values
 *                      at or above the last bound form one more band
 */
public record PlacementPolicy(boolean enabled, int metadataIndex, long[] bands) {
    public static final long[] DEFAULT_BANDS = {64L << 10, 1L << 20, 16L << 20};
    public static final PlacementPolicy AUTO = new PlacementPolicy(true, 0, DEFAULT_BANDS);
    public static final PlacementPolicy OFF = new PlacementPolicy(false, 0, new long[0]);

    public PlacementPolicy {
        bands = bands.clone();
        if (metadataIndex < 0) throw new IllegalArgumentException("placement metadata handle index must be >= 0");
        for (int i = 0; i < bands.length; i++) {
            if (bands[i] <= 0 || (i > 0 && bands[i] <= bands[i - 1])) {
                throw new IllegalArgumentException("placement bands must be positive and ascending, got "
                        + Arrays.toString(bands));
            }
        }
    }

    /** Value-size bands: {@code bands.length + 1}. */
    public int bandCount() {
        return bands.length + 1;
    }

    /** The band of the values in a region of {@code slotBytes} slots (its size class). */
    public int band(long slotBytes) {
        int b = 0;
        while (b < bands.length && slotBytes >= bands[b]) b++;
        return b;
    }

    /**
     * Parses {@code auto}, {@code off}, or {@code metadata=I,bands=64k/1m/16m} (either part may
     * be left out; I is an index into the namespace's placement handles). The error names the
     * option and what it accepts.
     */
    public static PlacementPolicy parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) return AUTO;
        if (t.equals("off")) return OFF;
        int metadata = 0;
        long[] bands = DEFAULT_BANDS;
        for (String part : t.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length == 2 && kv[0].equals("metadata")) {
                try {
                    metadata = Integer.parseInt(kv[1]);
                } catch (NumberFormatException e) {
                    throw bad(text);
                }
            } else if (kv.length == 2 && kv[0].equals("bands")) {
                List<Long> values = new ArrayList<>();
                for (String size : kv[1].split("/")) values.add(size(size, text));
                bands = values.stream().mapToLong(Long::longValue).toArray();
            } else {
                throw bad(text);
            }
        }
        return new PlacementPolicy(true, metadata, bands);
    }

    private static long size(String s, String text) {
        String v = s.trim();
        long unit = 1;
        char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            default -> { }
        }
        if (unit != 1) v = v.substring(0, v.length() - 1);
        try {
            return Math.multiplyExact(Long.parseLong(v), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw bad(text);
        }
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("placement '" + text + "': expected auto, off, or"
                + " metadata=INDEX,bands=SIZE/SIZE/... (e.g. metadata=0,bands=64k/1m/16m)");
    }

    @Override
    public String toString() {
        if (!enabled) return "off";
        StringBuilder b = new StringBuilder("metadata=" + metadataIndex + ",bands=");
        for (int i = 0; i < bands.length; i++) b.append(i == 0 ? "" : "/").append(bands[i] >> 10).append('k');
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlacementPolicy p && p.enabled == enabled && p.metadataIndex == metadataIndex
                && Arrays.equals(p.bands, bands);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(enabled) * 31 + metadataIndex * 17 + Arrays.hashCode(bands);
    }
}
