package dev.rawblock.server.resp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Socket;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** COMMAND and CONFIG GET: what clients probe, in Redis 7's shapes for RESP2 and RESP3. */
class IntrospectionTest extends RespFixture {

    private static Reply.Bulk bulk(String text) {
        return new Reply.Bulk(text);
    }

    /** A RESP3 set, or the RESP2 array that stands for it. */
    private static void assertSetOf(int protocol, List<Reply> expected, Reply actual) {
        if (protocol == 3) assertEquals(new Reply.Set(expected), actual);
        else assertEquals(new Reply.Array(expected), actual);
    }

    private static List<Reply> simples(String... words) {
        return java.util.Arrays.stream(words).<Reply>map(Reply.Simple::new).toList();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void commandInfoHasRedisSevenTenFields(int protocol) throws Exception {
        start();
        try (Socket s = open(protocol)) {
            List<Reply> entries = Reply.items(call(s, "COMMAND", "INFO", "mget", "nosuch"));
            assertEquals(new Reply.Null(), entries.get(1), "nil for a name that is no command");
            List<Reply> mget = Reply.items(entries.get(0));
            assertEquals(10, mget.size());
            assertEquals(bulk("mget"), mget.get(0));
            assertEquals(new Reply.Int(-2), mget.get(1));
            assertSetOf(protocol, simples("readonly", "fast"), mget.get(2));
            assertEquals(List.of(new Reply.Int(1), new Reply.Int(-1), new Reply.Int(1)), mget.subList(3, 6),
                    "first key, last key, step: what cluster clients route by");
            assertSetOf(protocol, simples("@read", "@string", "@fast"), mget.get(6));
            assertSetOf(protocol, List.of(bulk("request_policy:multi_shard")), mget.get(7));
            Reply spec = Reply.items(mget.get(8)).getFirst();
            if (protocol == 3) assertInstanceOf(Reply.Map.class, spec);
            Map<String, Reply> keySpec = Reply.pairs(spec);
            assertSetOf(protocol, simples("RO", "access"), keySpec.get("flags"));
            assertEquals(new Reply.Int(1), Reply.pairs(Reply.pairs(keySpec.get("begin_search")).get("spec")).get("index"));
            Map<String, Reply> range = Reply.pairs(Reply.pairs(keySpec.get("find_keys")).get("spec"));
            assertEquals(new Reply.Int(-1), range.get("lastkey"));
            assertEquals(new Reply.Int(1), range.get("keystep"));
            assertSetOf(protocol, List.of(), mget.get(9));

            List<Reply> client = Reply.items(Reply.items(call(s, "COMMAND", "INFO", "client")).getFirst());
            List<String> subs = Reply.items(client.get(9)).stream().map(e -> Reply.text(Reply.items(e).getFirst())).toList();
            assertTrue(subs.containsAll(List.of("client|setinfo", "client|list", "client|info", "client|setname")), subs.toString());

            long count = integer(s, "COMMAND", "COUNT");
            assertEquals(CommandTable.all().size(), count);
            assertEquals(count, Reply.items(call(s, "COMMAND")).size(), "plain COMMAND describes every command");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void commandDocsIsAMapFromNameToDocs(int protocol) throws Exception {
        start();
        try (Socket s = open(protocol)) {
            Reply docs = call(s, "COMMAND", "DOCS", "set", "nosuch");
            if (protocol == 3) assertInstanceOf(Reply.Map.class, docs);
            else assertInstanceOf(Reply.Array.class, docs);
            Map<String, Reply> byName = Reply.pairs(docs);
            assertEquals(List.of("set"), List.copyOf(byName.keySet()), "names that are no command are left out");
            Map<String, Reply> set = Reply.pairs(byName.get("set"));
            assertEquals(bulk("string"), set.get("group"));
            assertEquals(bulk("1.0.0"), set.get("since"));
            assertEquals(bulk("O(1)"), set.get("complexity"));
            assertFalse(Reply.text(set.get("summary")).isEmpty());
            List<Reply> args = Reply.items(set.get("arguments"));
            assertEquals(List.of("key", "value", "condition", "get", "expiration"), args.stream().map(a -> Reply.text(Reply.pairs(a).get("name"))).toList());
            Map<String, Reply> condition = Reply.pairs(args.get(2));
            assertEquals(bulk("oneof"), condition.get("type"));
            assertSetOf(protocol, simples("optional"), condition.get("flags"));
            assertEquals(Map.of(), Reply.pairs(call(s, "COMMAND", "DOCS", "nosuch")));
            assertEquals(CommandTable.all().size(), Reply.pairs(call(s, "COMMAND", "DOCS")).size());
            Map<String, Reply> clientSubs = Reply.pairs(Reply.pairs(Reply.pairs(call(s, "COMMAND", "DOCS", "client"))
                    .get("client")).get("subcommands"));
            assertTrue(clientSubs.containsKey("client|setinfo"), clientSubs.keySet().toString());
        }
    }

    @Test
    void commandListAndGetKeys() throws Exception {
        start();
        try (Socket s = open(2)) {
            List<String> all = Reply.items(call(s, "COMMAND", "LIST")).stream().map(Reply::text).toList();
            assertTrue(all.containsAll(List.of("get", "set", "strlen", "client|list", "config|get")), all.toString());
            assertEquals(List.of("get"), Reply.items(call(s, "COMMAND", "LIST", "FILTERBY", "PATTERN", "g*"))
                    .stream().map(Reply::text).toList());
            List<String> strings = Reply.items(call(s, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"))
                    .stream().map(Reply::text).toList();
            assertEquals(List.of("get", "set", "mget", "mset", "strlen"), strings);
            assertEquals(List.of(), Reply.items(call(s, "COMMAND", "LIST", "FILTERBY", "MODULE", "json")));
            assertEquals("ERR syntax error", error(s, "COMMAND", "LIST", "FILTERBY", "COLOUR", "x"));
            assertEquals(List.of(bulk("a"), bulk("b")), Reply.items(call(s, "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2")));
            assertEquals(List.of(bulk("k")), Reply.items(call(s, "COMMAND", "GETKEYS", "strlen", "k")));
            assertEquals("ERR The command has no key arguments", error(s, "COMMAND", "GETKEYS", "PING"));
            assertEquals("ERR Invalid command specified", error(s, "COMMAND", "GETKEYS", "nosuch", "a"));
            assertEquals("ERR Invalid number of arguments specified for command", error(s, "COMMAND", "GETKEYS", "GET"));
            assertEquals("ERR unknown subcommand 'nosuch'. Try COMMAND HELP.", error(s, "COMMAND", "nosuch"));
            assertEquals("ERR wrong number of arguments for 'command|count' command", error(s, "COMMAND", "COUNT", "x"));
            List<Reply> help = Reply.items(call(s, "COMMAND", "HELP"));
            assertEquals(new Reply.Simple("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"), help.getFirst());
        }
    }

    /** Every command in the table runs: none of them falls through to "unknown command". */
    @Test
    void everyCommandInTheTableIsDispatched() throws Exception {
        start();
        try (Socket s = open(2)) {
            for (CommandSpec c : CommandTable.all()) {
                if (c.name().equals("quit")) continue;
                String[] words = new String[Math.abs(c.arity())];
                words[0] = c.name();
                for (int i = 1; i < words.length; i++) words[i] = "0";
                if (!c.subcommands().isEmpty()) words = new String[] {c.name(), "help"};
                Reply r = call(s, words);
                if (r instanceof Reply.Error e) {
                    assertFalse(e.text().startsWith("ERR unknown command"), c.name() + ": " + e.text());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void configGetMatchesGlobsAndAnswersAMap(int protocol) throws Exception {
        start();
        try (Socket s = open(protocol)) {
            Reply save = call(s, "CONFIG", "GET", "save");
            if (protocol == 3) assertEquals(new Reply.Map(Map.of(bulk("save"), bulk(""))), save);
            else assertEquals(new Reply.Array(List.of(bulk("save"), bulk(""))), save);
            Map<String, Reply> max = Reply.pairs(call(s, "CONFIG", "GET", "MAX*"));
            assertEquals(List.of("maxclients", "maxmemory", "maxmemory-policy"), List.copyOf(max.keySet()));
            assertEquals(bulk("512"), max.get("maxclients"));
            assertEquals(bulk(Long.toString(store.stats().capacityBytes())), max.get("maxmemory"));
            assertEquals(bulk("allkeys-lru"), max.get("maxmemory-policy"));
            Map<String, Reply> probed = Reply.pairs(call(s, "CONFIG", "GET", "appendonly", "databases", "save",
                    "s?ve", "proto-max-bulk-len", "timeout", "cluster-enabled", "port", "nosuch"));
            assertEquals(Map.of("appendonly", bulk("no"), "databases", bulk("1"), "save", bulk(""),
                    "proto-max-bulk-len", bulk(Long.toString(server.context().config().maxValueBytes())),
                    "timeout", bulk("30"), "cluster-enabled", bulk("no"),
                    "port", bulk(Integer.toString(server.respAddress().getPort()))), probed);
            assertEquals(Map.of(), Reply.pairs(call(s, "CONFIG", "GET", "nosuch*")));
            assertEquals("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - can't set immutable config",
                    error(s, "CONFIG", "SET", "maxmemory", "1gb"));
            assertEquals("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
                    error(s, "CONFIG", "SET", "nosuch", "1"));
            assertEquals("ERR wrong number of arguments for 'config|get' command", error(s, "CONFIG", "GET"));
            assertEquals("ERR unknown subcommand 'REWRITE'. Try CONFIG HELP.", error(s, "CONFIG", "REWRITE"));
        }
    }
}
