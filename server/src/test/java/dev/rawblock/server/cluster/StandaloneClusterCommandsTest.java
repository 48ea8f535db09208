package dev.rawblock.server.cluster;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Without --cluster-nodes the server answers the cluster commands as a Redis without cluster support, and routes nothing. */
class StandaloneClusterCommandsTest extends ServerFixture {
    @Test
    void clusterSupportDisabled() throws IOException {
        start();
        try (Socket s = connect(server.respAddress())) {
            for (String[] c : new String[][] {{"CLUSTER", "INFO"}, {"CLUSTER", "SLOTS"}, {"CLUSTER", "KEYSLOT", "foo"},
                    {"READONLY"}, {"READWRITE"}, {"ASKING"}}) {
                send(s, command(c));
                assertEquals("-ERR This instance has cluster support disabled", line(s), String.join(" ", c));
            }
            send(s, command("CLUSTER", "FOO"));
            assertEquals("-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.", line(s));
            send(s, command("MSET", "a", "1", "b", "2", "foo", "3"));
            assertEquals("+OK", line(s), "no CROSSSLOT without a cluster");
            String section = "# Cluster\r\ncluster_enabled:0\r\n";
            send(s, command("INFO", "cluster"));
            assertEquals("$" + section.length(), line(s));
            assertEquals(section + "\r\n", new String(read(s, section.length() + 2), StandardCharsets.UTF_8));
        }
    }
}
