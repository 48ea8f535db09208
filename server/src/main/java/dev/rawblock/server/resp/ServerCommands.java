package dev.rawblock.server.resp;

import dev.rawblock.server.ServerContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** {@code INFO} and {@code WAIT}: what the server says about itself. The dispatcher has checked arity. */
final class ServerCommands {
    private final RespWriter writer;
    private final ServerContext context;
    private final int port;

    /** @param port the port this connection reached (INFO's tcp_port; the configured one may be 0) */
    ServerCommands(RespWriter writer, ServerContext context, int port) {
        this.writer = writer;
        this.context = context;
        this.port = port;
    }

    /** INFO [section ...]: text for people, so a verbatim string in RESP3, as Redis sends it. */
    void info(RespRequest r) throws IOException {
        List<String> sections = new ArrayList<>();
        for (int i = 1; i < r.size(); i++) sections.add(r.arg(i).text());
        writer.verbatim(InfoReport.render(context, port, sections));
    }

    /**
     * WAIT numreplicas timeout: how many replicas acknowledged the connection's writes. There are
     * none, and a write is durable on the store's device when it is acknowledged, so the answer
     * is 0, at once: waiting for replicas that do not exist would only stall the client.
     */
    void waitForReplicas(RespRequest r) throws IOException {
        Long replicas = integer(r.arg(1).text());
        Long timeout = integer(r.arg(2).text());
        if (replicas == null || timeout == null) writer.error("ERR value is not an integer or out of range");
        else if (timeout < 0) writer.error("ERR timeout is negative");
        else writer.integer(0);
    }

    private static Long integer(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
