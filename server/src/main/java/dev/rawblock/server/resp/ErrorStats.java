package dev.rawblock.server.resp;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Error replies sent, by their code (the first word: {@code ERR}, {@code NOAUTH},
 * {@code WRONGPASS}...), for {@code INFO}'s {@code total_error_replies} and its
 * {@code # Errorstats} section ({@code errorstat_ERR:count=3}).
 *
 * <p>As in Redis, at most {@link #MAX_CODES} codes are tracked, so a client cannot grow the table
 * without bound; errors of further codes still count in the total.
 */
final class ErrorStats {
    static final int MAX_CODES = 128;

    private final Map<String, LongAdder> byCode = new ConcurrentHashMap<>();
    private final LongAdder total = new LongAdder();

    /** Counts an error reply whose text is {@code message} (code first). */
    void count(byte[] message) {
        total.increment();
        int end = 0;
        while (end < message.length && message[end] != ' ') end++;
        String code = new String(message, 0, end, StandardCharsets.ISO_8859_1);
        LongAdder counter = byCode.get(code);
        if (counter == null && byCode.size() < MAX_CODES) counter = byCode.computeIfAbsent(code, c -> new LongAdder());
        if (counter != null) counter.increment();
    }

    long total() {
        return total.sum();
    }

    /** Counts by code, in code order (INFO lists them sorted, as Redis's radix tree does). */
    Map<String, Long> byCode() {
        Map<String, Long> out = new TreeMap<>();
        byCode.forEach((code, n) -> out.put(code, n.sum()));
        return out;
    }
}
