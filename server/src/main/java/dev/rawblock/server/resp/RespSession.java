package dev.rawblock.server.resp;

import dev.rawblock.server.MemoryBudget.BudgetExceededException;
import dev.rawblock.server.PieceSender;
import dev.rawblock.server.ProtocolException;
import dev.rawblock.server.RequestStats.Op;
import dev.rawblock.server.ServerContext;
import dev.rawblock.server.Values;
import dev.rawblock.server.Values.Loaded;
import dev.rawblock.server.Wire;
import dev.rawblock.store.PutResult;
import dev.rawblock.store.PutStream;
import dev.rawblock.store.ValueReader;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One RESP connection: reads requests in order, executes each, and replies (see {@link Wire} for
 * how pipelined replies are flushed together).
 *
 * <p>Commands: the data commands GET, SET, MGET, MSET, EXISTS, DEL/UNLINK, PREFIXHITS and DBSIZE;
 * what clients ask about keys (STRLEN, TYPE, TTL, PTTL: {@link KeyCommands}); and what clients
 * send around them: PING, ECHO, AUTH, HELLO, SELECT 0, QUIT, CLIENT ({@link ClientCommands}),
 * COMMAND ({@link CommandCommand}), CONFIG ({@link ConfigCommand}), INFO and WAIT
 * ({@link ServerCommands}).
 *
 * <p>Before a command runs, {@link CommandTable} checks it as Redis 7 does: an unknown command
 * or subcommand, or the wrong number of arguments, gets Redis's error, even before
 * authentication. With a password set, only the commands flagged {@code no_auth} (AUTH, HELLO,
 * QUIT) run before authentication.
 *
 * <p>SET replaces atomically, with Redis's options ({@link SetCommand}); the commands about keys'
 * expiry and listing, and FLUSHALL, are {@link KeyspaceCommands}.
 */
public final class RespSession implements Runnable {
    /** A value as a RESP bulk string: {@code $<length>\r\n<bytes>\r\n}. */
    private static final PieceSender.Framing BULK = new PieceSender.Framing() {
        @Override
        public int skip() {
            return 0;
        }

        @Override
        public byte[] header(MemorySegment prefix, long bodyLength) {
            return ("$" + bodyLength + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public byte[] trailer() {
            return new byte[] {'\r', '\n'};
        }
    };
    private final Wire wire;
    private final ServerContext context;
    private final RespReader reader;
    private final RespWriter writer;
    private final PieceSender pieces;
    private final PipelinedBatch batch;
    private final KeyspaceCommands keyspace;
    private final SetCommand set;
    private final long id;
    private final RespClient client;
    private final KeyCommands keyCommands;
    private final ServerCommands serverCommands;
    private final ClientCommands clientCommands;
    private final CommandCommand commandCommand;
    private final ConfigCommand configCommand;
    private boolean authenticated;
    private boolean quit;

    public RespSession(Wire wire, ServerContext context, long id) {
        this.wire = wire;
        this.context = context;
        this.reader = new RespReader(wire, context.values(), context.config().maxValueBytes(),
                context.config().maxPendingBytes());
        this.writer = new RespWriter(wire, context.resp().errors());
        this.pieces = new PieceSender(context.values());
        this.batch = new PipelinedBatch(reader, writer, context);
        this.keyspace = new KeyspaceCommands(context, writer);
        this.set = new SetCommand(context, writer);
        this.id = id;
        this.authenticated = context.config().requirePass() == null;
        InetSocketAddress local = address(wire, true);
        this.client = new RespClient(id, address(wire, false), local);
        int port = local != null ? local.getPort() : context.config().respPort();
        this.keyCommands = new KeyCommands(writer, context);
        this.serverCommands = new ServerCommands(writer, context, port);
        this.clientCommands = new ClientCommands(writer, client, context.resp().clients());
        this.commandCommand = new CommandCommand(writer);
        this.configCommand = new ConfigCommand(writer, context, port);
    }

    /** The connection's local or remote address; null when the socket no longer says. */
    private static InetSocketAddress address(Wire wire, boolean local) {
        try {
            return (InetSocketAddress) (local ? wire.channel().getLocalAddress() : wire.channel().getRemoteAddress());
        } catch (IOException e) {
            return null;
        }
    }

    /** Refuses a connection beyond max-connections with the error Redis sends, then the caller closes it. */
    public static void refuse(Wire wire) throws IOException {
        new RespWriter(wire).error("ERR max number of clients reached");
        wire.flush();
    }

    @Override
    public void run() {
        context.resp().clients().add(client);
        try {
            RespRequest next = null;
            while (!quit) {
                RespRequest request = next != null ? next : read();
                next = null;
                if (request == null) break;
                if (authenticated && batch.startsWith(request)) {
                    client.running(request.name().toLowerCase(Locale.ROOT));
                    try {
                        next = batch.run(request, this::get);
                    } catch (ProtocolException | BudgetExceededException e) {
                        unreadable(e); // the batch before the bad request was answered
                        break;
                    }
                    continue;
                }
                try (request) {
                    if (request.size() > 0) {
                        long start = System.nanoTime();
                        execute(request);
                        context.stats().requests().record(op(request.name()), start);
                    }
                }
            }
            wire.flush();
        } catch (IOException | InterruptedException e) {
            // The client went away or the server is stopping: nothing more to say on this connection.
        } finally {
            context.resp().clients().remove(client);
        }
    }

    /** The next request; null at the end of the stream, or after a protocol error has been answered. */
    private RespRequest read() throws IOException, InterruptedException {
        while (true) {
            try {
                return reader.read();
            } catch (RequestRefusedException e) {
                // Read whole and dropped: answer, and go on with the next request.
                context.stats().failedPut();
                writer.error("ERR " + e.getMessage());
            } catch (ProtocolException | BudgetExceededException e) {
                // The rest of the stream cannot be parsed (or the value cannot be received): say why, then close.
                unreadable(e);
                return null;
            }
        }
    }

    /** The rest of the stream cannot be parsed (or the value cannot be received): say why; the caller closes. */
    private void unreadable(RuntimeException e) throws IOException {
        context.stats().protocolError();
        writer.error((e instanceof ProtocolException ? "ERR Protocol error: " : "ERR ") + e.getMessage());
    }

    /** The operation a command counts as in the metrics: the data commands, and the rest together. */
    private static Op op(String command) {
        return switch (command) {
            case "GET" -> Op.GET;
            case "SET" -> Op.SET;
            case "MGET" -> Op.MGET;
            case "MSET" -> Op.MSET;
            case "EXISTS" -> Op.EXISTS;
            case "DEL", "UNLINK" -> Op.DEL;
            default -> Op.OTHER;
        };
    }

    private void execute(RespRequest r) throws IOException, InterruptedException {
        context.stats().command();
        String name = r.name();
        CommandSpec spec = CommandTable.lookup(name);
        if (spec != null && !spec.subcommands().isEmpty() && r.size() > 1) {
            spec = spec.subcommand(r.arg(1).text());
            if (spec == null) {
                writer.error(CommandErrors.unknownSubcommand(r));
                return;
            }
        }
        if (spec != null && !spec.arityAccepts(r.size())) {
            writer.error(CommandErrors.wrongArity(spec.name()));
            return;
        }
        // As Redis 7: a name that is no command says so even before AUTH. (A command the switch
        // below runs but the table lacks is taken for unknown here: give it its table line.)
        if (!authenticated && spec == null) {
            writer.error(CommandErrors.unknownCommand(r));
            return;
        }
        if (!authenticated && !spec.hasFlag("no_auth")) {
            writer.error("NOAUTH Authentication required.");
            return;
        }
        client.running(spec != null ? spec.name() : name.toLowerCase(Locale.ROOT));
        if (ClusterGate.answered(context, r, writer)) return; // CLUSTER..., -MOVED, -CROSSSLOT (server.cluster)
        try {
            switch (name) {
                case "GET" -> get(r);
                case "SET" -> set.run(r);
                case "MGET" -> mget(r);
                case "MSET" -> mset(r);
                case "EXISTS" -> exists(r);
                case "DEL", "UNLINK" -> del(r);
                case "PREFIXHITS" -> prefixHits(r);
                case "DBSIZE" -> arity(r, 1, 1, () -> writer.integer(context.values().store().stats().entries()));
                case "PING" -> ping(r);
                case "ECHO" -> arity(r, 2, 2, () -> writer.bulk(r.arg(1).bytes()));
                case "AUTH" -> auth(r);
                case "HELLO" -> hello(r);
                case "SELECT" -> select(r);
                case "CLIENT" -> clientCommands.run(r);
                case "COMMAND" -> commandCommand.run(r);
                case "CONFIG" -> configCommand.run(r);
                case "INFO" -> serverCommands.info(r);
                case "WAIT" -> serverCommands.waitForReplicas(r);
                case "STRLEN", "TYPE" -> keyCommands.run(r);
                case "QUIT" -> {
                    writer.simple("OK");
                    quit = true;
                }
                case "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "PERSIST", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME",
                     "SCAN", "KEYS", "RANDOMKEY", "FLUSHALL", "FLUSHDB" -> keyspace.run(name, r);
                default -> writer.error(CommandErrors.unknownCommand(r));
            }
        } catch (IllegalArgumentException | IllegalStateException | BudgetExceededException e) {
            // The store refused the request (a key too long, the store offline) or no buffer came in
            // time: the request is complete on the wire, so the connection stays usable.
            writer.error("ERR " + e.getMessage());
        }
    }

    private interface Reply {
        void send() throws IOException, InterruptedException;
    }

    /** Runs {@code reply} if the request has {@code min..max} words (command included), else the arity error. */
    private void arity(RespRequest r, int min, int max, Reply reply) throws IOException, InterruptedException {
        if (r.size() > max) wrongArity(r);
        else if (arityAtLeast(r, min)) reply.send();
    }

    private boolean arityAtLeast(RespRequest r, int min) throws IOException {
        if (r.size() >= min) return true;
        wrongArity(r);
        return false;
    }

    private void wrongArity(RespRequest r) throws IOException {
        writer.error("ERR wrong number of arguments for '" + r.name().toLowerCase(Locale.ROOT) + "' command");
    }

    // ---- data commands ----

    private void get(RespRequest r) throws IOException, InterruptedException {
        arity(r, 2, 2, () -> {
            Values.Found found = context.values().get(r.arg(1).bytes());
            if (found == null) {
                writer.nullBulk();
            } else if (found.large() != null) {
                try (ValueReader reader = found.large()) {
                    // Sent in pieces while the rest is read (PieceSender).
                    if (pieces.send(reader, wire, BULK)) {
                        context.stats().requests().valueBytes(Op.GET, reader.length());
                    } else {
                        context.values().missed();
                        writer.nullBulk();
                    }
                }
            } else {
                try (Loaded value = found.small()) {
                    writer.bulk(value.bytes());
                    context.stats().requests().valueBytes(Op.GET, value.length());
                }
            }
        });
    }

    private void mget(RespRequest r) throws IOException, InterruptedException {
        if (!arityAtLeast(r, 2)) return;
        Loaded[] loaded = context.values().load(r.keys(1, 1));
        try {
            writer.array(loaded.length);
            for (int i = 0; i < loaded.length; i++) {
                if (loaded[i] == null) writer.nullBulk();
                else writer.bulk(loaded[i].bytes());
                if (loaded[i] != null) {
                    context.stats().requests().valueBytes(Op.MGET, loaded[i].length());
                    loaded[i].close();
                }
                loaded[i] = null;
            }
        } finally {
            for (Loaded l : loaded) if (l != null) l.close();
        }
    }

    private void mset(RespRequest r) throws IOException, InterruptedException {
        if (r.size() < 3 || r.size() % 2 == 0) {
            wrongArity(r);
            return;
        }
        List<MemorySegment> segments = new ArrayList<>(r.size() / 2);
        for (int i = 2; i < r.size(); i += 2) segments.add(r.arg(i).segment());
        PutResult[] results = context.values().put(r.keys(1, 2), segments, true);
        int failed = 0;
        long stored = 0;
        PutResult first = null;
        for (int i = 0; i < results.length; i++) {
            if (Values.tookEffect(results[i])) {
                stored += segments.get(i).byteSize();
            } else {
                failed++;
                if (first == null) first = results[i];
            }
        }
        context.stats().requests().valueBytes(Op.MSET, stored);
        if (failed == 0) writer.simple("OK");
        else writer.error("ERR " + failed + " of " + results.length + " keys not stored, first because: "
                + PutReplies.explain(context, first));
    }

    private void exists(RespRequest r) throws IOException {
        if (!arityAtLeast(r, 2)) return;
        int n = 0;
        for (boolean b : context.values().exists(r.keys(1, 1))) if (b) n++;
        writer.integer(n);
    }

    private void del(RespRequest r) throws IOException {
        if (!arityAtLeast(r, 2)) return;
        int n = 0;
        for (boolean b : context.values().delete(r.keys(1, 1))) if (b) n++;
        writer.integer(n);
    }

    private void prefixHits(RespRequest r) throws IOException {
        if (!arityAtLeast(r, 2)) return;
        writer.integer(context.values().prefixHits(r.keys(1, 1)));
    }

    // ---- connection commands ----

    private void ping(RespRequest r) throws IOException, InterruptedException {
        arity(r, 1, 2, () -> {
            if (r.size() == 2) writer.bulk(r.arg(1).bytes());
            else writer.simple("PONG");
        });
    }

    private void auth(RespRequest r) throws IOException, InterruptedException {
        arity(r, 2, Integer.MAX_VALUE, () -> {
            if (r.size() > 3) {
                writer.error("ERR syntax error"); // AUTH [username] password, as Redis words it
            } else if (context.config().requirePass() == null) {
                writer.error("ERR AUTH <password> called without any password configured for the default user. "
                        + "Are you sure your configuration is correct?");
            } else if (checkPassword(r.size() == 3 ? r.arg(1).text() : "default", r.arg(r.size() - 1).bytes())) {
                writer.simple("OK");
            } else {
                writer.error("WRONGPASS invalid username-password pair or user is disabled.");
            }
        });
    }

    /** Checks a user and password (only the default user exists), counting failures. */
    private boolean checkPassword(String user, byte[] password) {
        byte[] expected = context.config().requirePass().getBytes(StandardCharsets.UTF_8);
        // Constant-time comparison: the time to reject must not tell how much of a guess was right.
        boolean ok = user.equals("default") & MessageDigest.isEqual(expected, password);
        if (ok) authenticated = true;
        else context.stats().authFailure();
        return ok;
    }

    private void hello(RespRequest r) throws IOException {
        int version = writer.protocol();
        int i = 1;
        if (r.size() > 1) {
            String v = r.arg(1).text();
            if (!v.matches("-?[0-9]{1,18}")) {
                writer.error("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (!v.equals("2") && !v.equals("3")) {
                writer.error("NOPROTO unsupported protocol version");
                return;
            }
            version = Integer.parseInt(v);
            i = 2;
        }
        byte[] name = null;
        for (; i < r.size(); i++) {
            String option = r.arg(i).text().toUpperCase(Locale.ROOT);
            if (option.equals("AUTH") && i + 2 < r.size()) {
                // Without a password set, any credentials are accepted, as Redis does for HELLO.
                if (context.config().requirePass() != null && !checkPassword(r.arg(i + 1).text(), r.arg(i + 2).bytes())) {
                    writer.error("WRONGPASS invalid username-password pair or user is disabled.");
                    return;
                }
                i += 2;
            } else if (option.equals("SETNAME") && i + 1 < r.size()) {
                name = r.arg(++i).bytes();
                if (!clientCommands.nameAllowed(name)) return;
            } else {
                writer.error("ERR Syntax error in HELLO option '" + RespReader.printable(r.arg(i).bytes()) + "'");
                return;
            }
        }
        if (!authenticated) {
            writer.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                    + "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the "
                    + "RESP protocol version at the same time");
            return;
        }
        if (name != null) client.name(name);
        writer.protocol(version);
        client.protocol(version);
        writer.map(7);
        writer.bulk("server");
        writer.bulk("rawblock");
        writer.bulk("version");
        writer.bulk(InfoReport.REDIS_COMPATIBLE_VERSION);
        writer.bulk("proto");
        writer.integer(version);
        writer.bulk("id");
        writer.integer(id);
        writer.bulk("mode");
        writer.bulk(RedisMode.name(context));
        writer.bulk("role");
        writer.bulk("master");
        writer.bulk("modules");
        writer.array(0);
    }

    private void select(RespRequest r) throws IOException, InterruptedException {
        arity(r, 2, 2, () -> {
            // One database, 0, as Redis answers when started with "databases 1".
            if (!r.arg(1).text().matches("-?[0-9]{1,18}")) writer.error("ERR value is not an integer or out of range");
            else if (Long.parseLong(r.arg(1).text()) == 0) writer.simple("OK");
            else writer.error("ERR DB index is out of range");
        });
    }
}
