package dev.rawblock.server.resp;

import dev.rawblock.server.ServerContext;
import dev.rawblock.store.Store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The commands about keys as a whole rather than their values, with Redis's replies: expiry
 * (EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT, PERSIST, TTL, PTTL, EXPIRETIME,
 * PEXPIRETIME), listing (SCAN, KEYS, RANDOMKEY) and FLUSHALL/FLUSHDB. Expiry is the store's
 * (journaled, kept across restarts, an expired key never served); listing reads keys from slot
 * headers, since the index holds only fingerprints, so KEYS is O(N) in reads, as Redis documents
 * it to be in memory.
 */
final class KeyspaceCommands {
    /** Redis's reply when an expiry time is out of range. */
    private static final String INVALID_EXPIRE = "ERR invalid expire time in '%s' command";
    private static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";
    /** A SCAN page's COUNT when the client gives none (Redis's default). */
    private static final int SCAN_COUNT = 10;

    private final ServerContext context;
    private final RespWriter writer;

    KeyspaceCommands(ServerContext context, RespWriter writer) {
        this.context = context;
        this.writer = writer;
    }

    private Store store() {
        return context.values().store();
    }

    /** Runs {@code r} if it is one of these commands (its name upper-cased in {@code name}); false if it is not. */
    boolean run(String name, RespRequest r) throws IOException {
        switch (name) {
            case "EXPIRE" -> expire(r, 1000, false);
            case "PEXPIRE" -> expire(r, 1, false);
            case "EXPIREAT" -> expire(r, 1000, true);
            case "PEXPIREAT" -> expire(r, 1, true);
            case "PERSIST" -> {
                if (!arity(r, 2, 2)) return true;
                long[] before = store().expireMany(List.of(r.arg(1).bytes()), new long[] {0});
                writer.integer(before[0] > 0 ? 1 : 0);
            }
            case "TTL" -> ttl(r, 1000, false);
            case "PTTL" -> ttl(r, 1, false);
            case "EXPIRETIME" -> ttl(r, 1000, true);
            case "PEXPIRETIME" -> ttl(r, 1, true);
            case "SCAN" -> scan(r);
            case "KEYS" -> keys(r);
            case "RANDOMKEY" -> {
                if (!arity(r, 1, 1)) return true;
                byte[] key = store().randomKey();
                if (key == null) writer.nullBulk();
                else writer.bulk(key);
            }
            case "FLUSHALL", "FLUSHDB" -> {
                if (!arity(r, 1, 2)) return true;
                if (r.size() == 2 && !List.of("ASYNC", "SYNC").contains(r.arg(1).text().toUpperCase(Locale.ROOT))) {
                    writer.error("ERR syntax error");
                    return true;
                }
                store().clear(); // fast either way: ASYNC is accepted and done at once
                writer.simple("OK");
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * EXPIRE and its kin: {@code unit} ms per unit of the argument; {@code absolute} for the AT
     * forms (a unix time). Replies 1 when the time was set (or the key deleted by a time in the
     * past), 0 when the key is absent or an NX/XX/GT/LT condition says no.
     */
    private void expire(RespRequest r, long unit, boolean absolute) throws IOException {
        if (!arity(r, 3, 4)) return;
        String command = r.name().toLowerCase(Locale.ROOT);
        Long amount = integer(r.arg(2).text());
        if (amount == null) {
            writer.error(NOT_AN_INTEGER);
            return;
        }
        long at;
        try {
            at = Math.multiplyExact(amount, unit);
            if (!absolute) at = Math.addExact(at, System.currentTimeMillis());
        } catch (ArithmeticException e) {
            writer.error(String.format(INVALID_EXPIRE, command));
            return;
        }
        String condition = r.size() == 4 ? r.arg(3).text().toUpperCase(Locale.ROOT) : "";
        if (!List.of("", "NX", "XX", "GT", "LT").contains(condition)) {
            writer.error("ERR Unsupported option " + r.arg(3).text());
            return;
        }
        byte[] key = r.arg(1).bytes();
        long current = store().expiries(List.of(key))[0];
        if (current == Store.MISS) {
            writer.integer(0);
            return;
        }
        // Redis: a key without expiry counts as an infinite one for GT and LT.
        boolean allowed = switch (condition) {
            case "NX" -> current == 0;
            case "XX" -> current != 0;
            case "GT" -> current != 0 && at > current;
            case "LT" -> current == 0 || at < current;
            default -> true;
        };
        if (!allowed) {
            writer.integer(0);
            return;
        }
        long[] before = store().expireMany(List.of(key), new long[] {Math.max(at, 1)}); // a time past deletes
        writer.integer(before[0] == Store.MISS ? 0 : 1);
    }

    /** TTL, PTTL (remaining time) and EXPIRETIME, PEXPIRETIME (the unix time): -2 when absent, -1 without expiry. */
    private void ttl(RespRequest r, long unit, boolean absolute) throws IOException {
        if (!arity(r, 2, 2)) return;
        long at = store().expiries(List.of(r.arg(1).bytes()))[0];
        if (at == Store.MISS) writer.integer(-2);
        else if (at == 0) writer.integer(-1);
        else if (absolute) writer.integer(at / unit);
        else {
            long left = Math.max(0, at - System.currentTimeMillis());
            writer.integer(unit == 1 ? left : (left + 500) / 1000); // Redis rounds TTL to the nearest second
        }
    }

    /** SCAN cursor [MATCH pattern] [COUNT n] [TYPE t]: [next cursor, keys]. MATCH filters each page, as in Redis. */
    private void scan(RespRequest r) throws IOException {
        if (!arity(r, 2, Integer.MAX_VALUE)) return;
        Long cursor = integer(r.arg(1).text());
        if (cursor == null || cursor < 0) {
            writer.error("ERR invalid cursor");
            return;
        }
        byte[] pattern = null;
        int count = SCAN_COUNT;
        boolean strings = true;
        for (int i = 2; i < r.size(); i += 2) {
            String option = r.arg(i).text().toUpperCase(Locale.ROOT);
            if (i + 1 >= r.size()) {
                writer.error("ERR syntax error");
                return;
            }
            switch (option) {
                case "MATCH" -> pattern = r.arg(i + 1).bytes();
                case "COUNT" -> {
                    Long n = integer(r.arg(i + 1).text());
                    if (n == null) {
                        writer.error(NOT_AN_INTEGER);
                        return;
                    }
                    if (n < 1) {
                        writer.error("ERR syntax error");
                        return;
                    }
                    count = (int) Math.min(n, 1 << 20);
                }
                case "TYPE" -> strings = r.arg(i + 1).text().equalsIgnoreCase("string"); // every value is a string
                default -> {
                    writer.error("ERR syntax error");
                    return;
                }
            }
        }
        List<byte[]> keys = new ArrayList<>();
        byte[] match = pattern;
        long next = store().scan(cursor, count, (key, length) -> {
            if (match == null || Glob.matches(match, key, false)) keys.add(key);
        });
        writer.array(2);
        writer.bulk(Long.toString(next));
        if (!strings) keys.clear();
        writer.array(keys.size());
        for (byte[] k : keys) writer.bulk(k);
    }

    /** KEYS pattern: every stored key that matches, by a full scan of the slot headers. */
    private void keys(RespRequest r) throws IOException {
        if (!arity(r, 2, 2)) return;
        byte[] pattern = r.arg(1).bytes();
        boolean all = pattern.length == 1 && pattern[0] == '*';
        List<byte[]> keys = new ArrayList<>();
        store().forEachKey((key, length) -> {
            if (all || Glob.matches(pattern, key, false)) keys.add(key);
        });
        writer.array(keys.size());
        for (byte[] k : keys) writer.bulk(k);
    }

    /** Whether the request has {@code min..max} words (command included); else the arity error is sent. */
    private boolean arity(RespRequest r, int min, int max) throws IOException {
        if (r.size() >= min && r.size() <= max) return true;
        writer.error("ERR wrong number of arguments for '" + r.name().toLowerCase(Locale.ROOT) + "' command");
        return false;
    }

    /** A decimal integer as Redis parses one, or null. */
    static Long integer(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
