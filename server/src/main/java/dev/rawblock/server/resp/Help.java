package dev.rawblock.server.resp;

import java.io.IOException;
import java.util.List;

/** The reply of a container's HELP subcommand (CLIENT HELP...): status lines, framed as Redis frames them. */
final class Help {
    private Help() {
    }

    static void send(RespWriter writer, String container, List<String> lines) throws IOException {
        writer.array(lines.size() + 3);
        writer.simple(container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        for (String line : lines) writer.simple(line);
        writer.simple("HELP");
        writer.simple("    Print this help.");
    }
}
