package dev.rawblock.server.clients;

import dev.rawblock.server.ServerFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The clients users run, as separate processes: redis-cli, redis-benchmark (Debian redis-tools)
 * and redis-py (Debian python3-redis) following LMCache's key scheme. {@code .ci/run} installs
 * them; elsewhere the tests skip with the package to install.
 */
class ExternalClientsTest extends ServerFixture {
    /** Debian's python3, which python3-redis installs for (a pyenv python on PATH may lack it). */
    private static final String PYTHON = "/usr/bin/python3";

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, byte[] stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static void need(String program, String debianPackage) {
        assumeTrue(Files.isExecutable(Path.of(program)), program + " missing: apt-get install " + debianPackage);
    }

    private List<String> cli(String... args) {
        List<String> c = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(server.respAddress().getPort())));
        c.addAll(List.of(args));
        return c;
    }

    @Test
    void redisCli() throws Exception {
        need("/usr/bin/redis-cli", "redis-tools");
        start();
        assertEquals(new Result(0, "PONG\n"), run(cli("ping"), null));
        assertEquals(new Result(0, "OK\n"), run(cli("set", "greeting", "hello world"), null));
        assertEquals(new Result(0, "hello world\n"), run(cli("get", "greeting"), null));
        assertEquals(new Result(0, "1\n"), run(cli("exists", "greeting", "nope"), null));
        byte[] value = random(3 << 20, 5);
        assertEquals(new Result(0, "OK\n"), run(cli("-x", "set", "blob"), value));
        try (java.net.Socket s = connect(server.respAddress())) {
            send(s, command("GET", "blob"));
            assertEquals("$" + value.length, line(s));
            org.junit.jupiter.api.Assertions.assertArrayEquals(value, read(s, value.length), "redis-cli -x sent every byte");
        }
        // A session of commands on one connection, as a person types them.
        Result session = run(cli(), "select 0\nmset a 1 b 2\nmget a b c\nprefixhits a b c\ndel a b\ndbsize\n"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(0, session.exit());
        assertEquals("OK\nOK\n1\n2\n\n2\n2\n2\n", session.output());
        Result info = run(cli("info", "keyspace"), null);
        assertTrue(info.output().contains("db0:keys=2"), info.output());
    }

    /** redis-cli --scan walks SCAN's cursor to the end; --pattern is SCAN MATCH; TTL and EXPIRE as it prints them. */
    @Test
    void redisCliScanAndExpiry() throws Exception {
        need("/usr/bin/redis-cli", "redis-tools");
        start();
        java.util.Set<String> expected = new java.util.TreeSet<>();
        StringBuilder sets = new StringBuilder();
        for (int i = 0; i < 250; i++) {
            String k = (i % 5 == 0 ? "chunk:" : "meta:") + i;
            sets.append("set ").append(k).append(" v").append(i).append('\n');
            if (k.startsWith("chunk:")) expected.add(k);
        }
        Result stored = run(cli(), sets.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(0, stored.exit(), stored.output());
        Result scan = run(cli("--scan", "--pattern", "chunk:*"), null);
        assertEquals(0, scan.exit(), scan.output());
        assertEquals(expected, new java.util.TreeSet<>(scan.output().lines().toList()));
        assertEquals(250, run(cli("--scan"), null).output().lines().count());
        assertEquals(new Result(0, "1\n"), run(cli("expire", "chunk:0", "300"), null));
        assertEquals(new Result(0, "300\n"), run(cli("ttl", "chunk:0"), null));
        assertEquals(new Result(0, "-1\n"), run(cli("ttl", "meta:1"), null));
        assertEquals(new Result(0, "-2\n"), run(cli("ttl", "nope"), null));
    }

    @Test
    void redisBenchmarkRunsCleanly() throws Exception {
        need("/usr/bin/redis-benchmark", "redis-tools");
        start();
        Result r = run(List.of("redis-benchmark", "-p", Integer.toString(server.respAddress().getPort()),
                "-t", "ping,set,get,mset", "-n", "2000", "-c", "8", "-P", "4", "-r", "1000", "-q"), null);
        assertEquals(0, r.exit(), r.output());
        assertFalse(r.output().contains("Error"), r.output());
        assertFalse(r.output().contains("WARNING"), r.output());
        for (String test : List.of("PING_INLINE: ", "PING_MBULK: ", "SET: ", "GET: ", "MSET (10 keys): ")) {
            assertTrue(r.output().contains(test), test + " in " + r.output());
        }
    }

    /** redis-cli's help comes from COMMAND DOCS, so it describes rawblock's commands. */
    @Test
    void redisCliHelpReadsCommandDocs() throws Exception {
        need("/usr/bin/redis-cli", "redis-tools");
        start();
        Result help = run(cli("help", "strlen"), null);
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().contains("STRLEN"), help.output());
        assertTrue(help.output().contains("Returns the length of a stored value"), help.output());
        assertTrue(help.output().contains("since:\u001b[0m 2.2.0"), help.output());
        Result set = run(cli("help", "set"), null);
        assertTrue(set.output().contains("key value [NX|XX]"), "the syntax from the docs' arguments: " + set.output());
    }

    /**
     * redis-benchmark with its default test list. It stops at the first error reply, so the
     * default run serves PING, SET and GET and then ends at INCR with Redis's unknown-command
     * error (exit 1); each later test of the list, run alone, either passes (MSET) or ends the same
     * way at its first command: never a protocol error, a wrong reply or a hang.
     */
    @Test
    void redisBenchmarkDefaultTestsFailOnlyWithRedisUnknownCommandError() throws Exception {
        need("/usr/bin/redis-benchmark", "redis-tools");
        start();
        String port = Integer.toString(server.respAddress().getPort());
        Result all = run(List.of("redis-benchmark", "-p", port, "-q", "-n", "1000"), null);
        String out = all.output().replace('\r', '\n');
        for (String test : List.of("PING_INLINE", "PING_MBULK", "SET", "GET")) {
            assertTrue(java.util.regex.Pattern.compile("(?m)^ *" + test + ": [0-9.]+ requests per second").matcher(out).find(),
                    test + " ran: " + out);
        }
        assertEquals(1, all.exit(), out);
        assertTrue(out.contains("Error from server: ERR unknown command 'INCR', with args beginning with: "
                + "'counter:__rand_int__' \n"), out);
        assertFalse(out.contains("Protocol error") || out.contains("Unexpected"), out);
        // The rest of the default list, test by test (lrange's first step is an LPUSH of its list).
        java.util.Map<String, String> unsupported = new java.util.LinkedHashMap<>();
        for (String t : List.of("lpush", "rpush", "lpop", "rpop", "sadd", "hset", "spop", "zadd", "zpopmin")) {
            unsupported.put(t, t.toUpperCase(java.util.Locale.ROOT));
        }
        unsupported.put("lrange", "LPUSH");
        for (var t : unsupported.entrySet()) {
            Result r = run(List.of("redis-benchmark", "-p", port, "-q", "-n", "1000", "-t", t.getKey()), null);
            assertEquals(1, r.exit(), t.getKey() + ": " + r.output());
            assertTrue(r.output().contains("Error from server: ERR unknown command '" + t.getValue()
                    + "', with args beginning with: '"), t.getKey() + ": " + r.output());
        }
        Result mset = run(List.of("redis-benchmark", "-p", port, "-q", "-n", "1000", "-t", "mset"), null);
        assertEquals(0, mset.exit(), mset.output());
        assertTrue(mset.output().contains("MSET (10 keys): "), mset.output());
    }

    /** Debian's redis-py parses every INFO section (a line it cannot split would land in __raw__). */
    @Test
    void redisPyParsesEveryInfoSection() throws Exception {
        need(PYTHON, "python3");
        assumeTrue(run(List.of(PYTHON, "-c", "import redis"), null).exit() == 0,
                "redis-py missing: apt-get install python3-redis");
        start();
        Path script = Path.of(getClass().getResource("/redis_py_info.py").toURI());
        assertEquals(new Result(0, "OK\n"), run(List.of(PYTHON, script.toString(),
                Integer.toString(server.respAddress().getPort())), null));
    }

    @Test
    void redisPyWithLmcacheKeyScheme() throws Exception {
        need(PYTHON, "python3");
        assumeTrue(run(List.of(PYTHON, "-c", "import redis"), null).exit() == 0,
                "redis-py missing: apt-get install python3-redis");
        start(1L << 30, c -> c.withRequirePass("pw"));
        Path script = Path.of(getClass().getResource("/lmcache_redis_client.py").toURI());
        Result r = run(List.of(PYTHON, script.toString(), Integer.toString(server.respAddress().getPort()), "pw"), null);
        assertEquals(new Result(0, "OK\n"), r);
    }
}
