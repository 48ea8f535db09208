package dev.rawblock.server.resp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** INFO: Redis 7's sections in Redis's order, the fields clients parse, and the reply type of each protocol. */
class InfoTest extends RespFixture {
    private static final List<String> ALL = List.of("Server", "Clients", "Memory", "Persistence", "Stats",
            "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace", "Rawblock");

    private static List<String> headers(String info) {
        List<String> out = new ArrayList<>();
        for (String line : info.split("\r\n")) if (line.startsWith("# ")) out.add(line.substring(2));
        return out;
    }

    private static Map<String, String> fields(String info) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : info.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) out.put(line.substring(0, colon), line.substring(colon + 1));
        }
        return out;
    }

    @Test
    void sectionsComeInRedisOrderWhateverTheOrderAsked() throws Exception {
        start();
        try (Socket s = open(2)) {
            assertEquals(ALL, headers(text(s, "INFO")));
            for (String all : List.of("default", "all", "EVERYTHING")) assertEquals(ALL, headers(text(s, "INFO", all)));
            assertEquals(List.of("Replication", "Keyspace"), headers(text(s, "INFO", "keyspace", "REPLICATION")));
            assertEquals(List.of("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
                    "Errorstats", "Cluster", "Keyspace", "Rawblock"), headers(text(s, "INFO", "cluster", "default")));
            assertEquals("", text(s, "INFO", "nosuchsection"), "an unknown section adds nothing, as in Redis");
            assertEquals("# Keyspace\r\n", text(s, "INFO", "keyspace"), "no db0 line while the store is empty");
            assertEquals("# Cluster\r\ncluster_enabled:0\r\n", text(s, "INFO", "cluster"));
            assertEquals("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n",
                    text(s, "INFO", "replication").substring(0, 48), "glide needs role:master");
        }
    }

    @Test
    void fieldsSayWhatTheServerAndTheStoreAre() throws Exception {
        start();
        try (Socket s = open(2)) {
            assertEquals("OK", text(s, "SET", "k", "x".repeat(1000)));
            assertInstanceOf(Reply.Null.class, call(s, "GET", "nope"));
            Map<String, String> f = fields(text(s, "INFO", "everything"));
            assertEquals(InfoReport.REDIS_COMPATIBLE_VERSION, f.get("redis_version"));
            assertEquals("standalone", f.get("redis_mode"));
            assertTrue(f.get("os").startsWith("Linux "), f.get("os"));
            assertEquals("64", f.get("arch_bits"));
            assertEquals(Long.toString(ProcessHandle.current().pid()), f.get("process_id"));
            assertEquals(Integer.toString(server.respAddress().getPort()), f.get("tcp_port"), "the port reached, not 0");
            assertTrue(f.get("run_id").matches("[0-9a-f]{40}"), f.get("run_id"));
            assertEquals("1", f.get("connected_clients"));
            assertEquals("512", f.get("maxclients"));
            // A disk store: used_memory is the device space the values take, maxmemory the capacity.
            var stats = store.stats();
            assertEquals(Long.toString(stats.usedSlotBytes()), f.get("used_memory"));
            assertEquals("1000", f.get("used_memory_dataset"));
            assertEquals(Long.toString(stats.capacityBytes()), f.get("maxmemory"));
            assertEquals(InfoReport.human(stats.capacityBytes()), f.get("maxmemory_human"));
            assertEquals("allkeys-lru", f.get("maxmemory_policy"));
            assertTrue(Long.parseLong(f.get("used_memory_rss")) > 0);
            // The value buffers' registered memory: mostly free between requests, none needed from outside.
            var memory = store.memory();
            assertEquals(Long.toString(memory.registeredBytes()), f.get("registered_memory_bytes"));
            long free = Long.parseLong(f.get("registered_memory_free_bytes"));
            assertTrue(free > 0 && free <= memory.registeredBytes(), "free " + free);
            assertEquals("0", f.get("unregistered_buffer_bytes"));
            assertEquals("0", f.get("loading"));
            assertEquals("0", f.get("aof_enabled"));
            assertEquals("ok", f.get("rdb_last_bgsave_status"));
            assertEquals("0", f.get("expired_keys"));
            assertEquals("0", f.get("evicted_keys"));
            assertEquals("master", f.get("role"));
            assertEquals("0", f.get("connected_slaves"));
            assertTrue(f.get("master_replid").matches("[0-9a-f]{40}"));
            assertTrue(Double.parseDouble(f.get("used_cpu_user")) > 0);
            assertEquals("0", f.get("cluster_enabled"));
            assertEquals("keys=1,expires=0,avg_ttl=0", f.get("db0"));
            assertEquals("1", f.get("entries"));
            for (String name : List.of("uptime_in_seconds", "total_connections_received", "total_commands_processed",
                    "keyspace_hits", "keyspace_misses", "total_net_input_bytes", "rejected_connections",
                    "used_cpu_sys", "rdb_last_save_time", "master_repl_offset", "total_error_replies")) {
                assertTrue(f.get(name).matches("[0-9.]+"), name + ": " + f.get(name));
            }
        }
    }

    @Test
    void humanSizesAreRedisOnes() {
        assertEquals("0B", InfoReport.human(0));
        assertEquals("1023B", InfoReport.human(1023));
        assertEquals("1.00K", InfoReport.human(1024));
        assertEquals("919.27K", InfoReport.human(941328));
        assertEquals("1.32M", InfoReport.human(1386048));
        assertEquals("23.54G", InfoReport.human(25276059648L));
    }

    /** INFO is text for people: a bulk string in RESP2, a verbatim string of format txt in RESP3 (Redis's types). */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void replyTypeFollowsTheProtocol(int protocol) throws Exception {
        start();
        try (Socket s = open(protocol)) {
            Reply info = call(s, "INFO", "replication");
            if (protocol == 2) {
                assertInstanceOf(Reply.Bulk.class, info);
            } else {
                assertEquals("txt", assertInstanceOf(Reply.Verbatim.class, info).format());
            }
            assertTrue(Reply.text(info).contains("role:master\r\n"));
        }
    }

    @Test
    void errorRepliesAreCountedByCode() throws Exception {
        start();
        try (Socket s = open(2)) {
            error(s, "NOSUCHCOMMAND");
            error(s, "GET");
            error(s, "HELLO", "4");
            Map<String, String> f = fields(text(s, "INFO", "errorstats", "stats"));
            assertEquals("count=2", f.get("errorstat_ERR"));
            assertEquals("count=1", f.get("errorstat_NOPROTO"));
            assertEquals("3", f.get("total_error_replies"));
        }
    }
}
