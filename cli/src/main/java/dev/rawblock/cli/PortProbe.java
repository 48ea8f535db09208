package dev.rawblock.cli;

import dev.rawblock.server.ServerConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/**
 * Binds each port serve will listen on for a moment, before the store is opened: a port in use
 * (or an address not on this machine) is reported at once, not after a recovery of minutes. The
 * server binds again for real; a port taken in between still fails there, with the same words.
 */
final class PortProbe {
    private PortProbe() {}

    /** Throws a {@link UsageException} naming the option of the first port that cannot be bound. */
    static void requireFree(ServerConfig config) throws UsageException {
        probe("--port", "RESP", config.bind(), config.respPort());
        if (config.lmPort() >= 0) probe("--lm-port", "lm://", config.lmBind(), config.lmPort());
        if (config.metricsPort() >= 0) probe("--metrics-port", "metrics", config.bind(), config.metricsPort());
    }

    private static void probe(String option, String what, InetAddress address, int port) throws UsageException {
        if (port == 0) return; // any free port: nothing to check
        try (ServerSocketChannel channel = ServerSocketChannel.open()) {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true); // as the server binds it
            channel.bind(new InetSocketAddress(address, port), 1);
        } catch (IOException e) {
            throw new UsageException(option + " " + port + ": cannot listen for " + what + " on "
                    + ServerConfig.host(address) + ":" + port + " (" + Main.describe(e) + ")");
        }
    }
}
