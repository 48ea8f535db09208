package dev.rawblock.cli;

import dev.rawblock.server.ServerConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What to tell someone who tries to inspect a store that a {@code rawblock serve} holds: ask the
 * server instead. The holder's command line (/proc/PID/cmdline) says whether it is a server and,
 * when it was given, its RESP port.
 */
final class ServedStoreHint {
    private ServedStoreHint() {}

    /** " (inspect a served store with: redis-cli -p N INFO rawblock)" when pid is a rawblock server, else "". */
    static String forHolder(long pid) {
        if (pid <= 0) return "";
        List<String> args;
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
            args = List.of(cmdline.split("\0"));
        } catch (IOException e) {
            return "";
        }
        int serve = args.indexOf("serve");
        if (serve < 0 || args.stream().noneMatch(a -> a.contains("rawblock"))) return "";
        return " (inspect a served store with: redis-cli -p " + port(args.subList(serve + 1, args.size()))
                + " INFO rawblock)";
    }

    /** The --port the server was given, its default when none was, or PORT when it cannot be told (0, a config file). */
    static String port(List<String> serveArgs) {
        String port = null;
        for (int i = 0; i < serveArgs.size(); i++) {
            String a = serveArgs.get(i);
            if (a.equals("--port") && i + 1 < serveArgs.size()) port = serveArgs.get(i + 1);
            else if (a.startsWith("--port=")) port = a.substring("--port=".length());
        }
        if (port == null) {
            return serveArgs.stream().anyMatch(a -> a.equals(ConfigFile.OPTION) || a.startsWith(ConfigFile.OPTION + "="))
                    ? "PORT" : Integer.toString(ServerConfig.DEFAULT_RESP_PORT);
        }
        return port.equals("0") || !port.chars().allMatch(Character::isDigit) ? "PORT" : port;
    }
}
