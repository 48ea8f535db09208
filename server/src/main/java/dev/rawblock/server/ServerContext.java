package dev.rawblock.server;

/** What every connection of a server shares: its configuration, the store, and the counters. */
public record ServerContext(ServerConfig config, Values values, ServerStats stats) {
}
