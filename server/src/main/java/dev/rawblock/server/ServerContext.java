package dev.rawblock.server;

import dev.rawblock.server.resp.RespState;

/** What every connection of a server shares: its configuration, the store, the counters, and the RESP clients' shared state. */
public record ServerContext(ServerConfig config, Values values, ServerStats stats, RespState resp) {
    public ServerContext(ServerConfig config, Values values, ServerStats stats) {
        this(config, values, stats, new RespState());
    }
}
