package dev.rawblock.server.resp;

import dev.rawblock.server.RequestStats.Op;
import dev.rawblock.server.ServerContext;
import dev.rawblock.server.Values;
import dev.rawblock.server.Values.Loaded;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.PutStream;
import dev.rawblock.store.Store;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * {@code SET key value [NX | XX] [GET] [EX s | PX ms | EXAT unix-s | PXAT unix-ms | KEEPTTL]}, as
 * Redis 7 answers it. The value replaces an old one atomically (a GET meanwhile gets one or the
 * other); an expiry time is the store's (journaled, kept across restarts); without one, a SET
 * clears the old value's, unless KEEPTTL. {@code GET} answers the old value, read just before the
 * new one replaces it (a SET of the key from another connection in between may win the race, as
 * it would have in Redis had it come first).
 */
final class SetCommand {
    private final ServerContext context;
    private final RespWriter writer;

    SetCommand(ServerContext context, RespWriter writer) {
        this.context = context;
        this.writer = writer;
    }

    void run(RespRequest r) throws IOException, InterruptedException {
        if (r.size() < 3) {
            writer.error("ERR wrong number of arguments for 'set' command");
            return;
        }
        boolean nx = false, xx = false, get = false, timed = false, keep = false;
        long expiresAt = 0;
        for (int i = 3; i < r.size(); i++) {
            String option = r.arg(i).text().toUpperCase(Locale.ROOT);
            switch (option) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "GET" -> get = true;
                case "KEEPTTL" -> keep = true;
                case "EX", "PX", "EXAT", "PXAT" -> {
                    if (timed || i + 1 >= r.size()) {
                        writer.error("ERR syntax error");
                        return;
                    }
                    Long amount = KeyspaceCommands.integer(r.arg(++i).text());
                    if (amount == null) {
                        writer.error("ERR value is not an integer or out of range");
                        return;
                    }
                    if (amount <= 0) {
                        writer.error("ERR invalid expire time in 'set' command");
                        return;
                    }
                    try {
                        long millis = option.startsWith("E") ? Math.multiplyExact(amount, 1000) : amount;
                        expiresAt = option.endsWith("AT") ? millis : Math.addExact(millis, System.currentTimeMillis());
                    } catch (ArithmeticException e) {
                        writer.error("ERR invalid expire time in 'set' command");
                        return;
                    }
                    timed = true;
                }
                default -> {
                    writer.error("ERR syntax error");
                    return;
                }
            }
        }
        if ((nx && xx) || (timed && keep)) {
            writer.error("ERR syntax error");
            return;
        }
        byte[] key = r.arg(1).bytes();
        PutStream streamed = r.arg(2).streamed();
        if (streamed != null) { // a plain SET, written as it arrived: commit it (it replaces an old value)
            reply(streamed.commit(), streamed.length(), false, null, false);
            return;
        }
        Loaded old = get ? context.values().load(List.of(key))[0] : null;
        try {
            if (xx && old == null && !context.values().exists(List.of(key))[0]) {
                writer.nullBulk();
                return;
            }
            MemorySegment value = r.arg(2).segment();
            long[] expiry = {keep ? Store.KEEP_EXPIRY : expiresAt};
            PutResult result = context.values().put(List.of(key), List.of(value), !nx, expiry)[0];
            reply(result, value.byteSize(), nx, old, get);
        } finally {
            if (old != null) old.close();
        }
    }

    private void reply(PutResult result, long bytes, boolean nx, Loaded old, boolean get) throws IOException {
        boolean refused = nx && result == PutResult.ALREADY_STORED;
        if (!refused && !Values.tookEffect(result)) {
            PutReplies.error(writer, context, result);
            return;
        }
        if (!refused) context.stats().requests().valueBytes(Op.SET, bytes);
        if (get) {
            if (old == null) writer.nullBulk();
            else writer.bulk(old.bytes());
        } else if (refused) {
            writer.nullBulk();
        } else {
            writer.simple("OK");
        }
    }
}
