package dev.rawblock.server.resp;

import java.util.Collection;
import java.util.concurrent.ConcurrentSkipListMap;

/** The RESP connections open now, by id, for {@code CLIENT LIST} (listed in the order they connected). */
final class RespClients {
    private final ConcurrentSkipListMap<Long, RespClient> open = new ConcurrentSkipListMap<>();

    void add(RespClient client) {
        open.put(client.id(), client);
    }

    void remove(RespClient client) {
        open.remove(client.id());
    }

    /** The client with this id, or null when no such connection is open. */
    RespClient get(long id) {
        return open.get(id);
    }

    Collection<RespClient> all() {
        return open.values();
    }
}
