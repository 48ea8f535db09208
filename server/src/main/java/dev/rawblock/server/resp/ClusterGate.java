package dev.rawblock.server.resp;

import dev.rawblock.server.ServerContext;
import dev.rawblock.server.cluster.ClusterCommands;
import dev.rawblock.server.cluster.Reply;
import dev.rawblock.server.cluster.Router;
import dev.rawblock.server.cluster.SlotKeys;

import java.io.IOException;

/**
 * Where a RESP session meets the cluster ({@code dev.rawblock.server.cluster}): before a command
 * runs, CLUSTER, READONLY, READWRITE and ASKING are answered here, and a keyed command whose keys
 * are not this node's is answered {@code -MOVED} or {@code -CROSSSLOT} instead of being run.
 * Standalone, only the CLUSTER family is answered (with Redis's "cluster support disabled").
 */
final class ClusterGate {
    private ClusterGate() {
    }

    /** Whether {@code r} was answered here (then the session runs nothing else for it). */
    static boolean answered(ServerContext context, RespRequest r, RespWriter writer) throws IOException {
        String name = r.name();
        if (ClusterCommands.handles(name)) {
            ClusterCommands commands = new ClusterCommands(context.config().cluster(), new SlotKeys(context.values().store()));
            write(writer, commands.execute(r.keys(0, 1)));
            return true;
        }
        CommandSpec spec = CommandTable.lookup(name);
        if (spec == null || !spec.keys().any()) return false;
        CommandSpec.Keys keys = spec.keys();
        String redirect = Router.redirect(context.config().cluster(), keys.first(), keys.last(), keys.step(), r.size(),
                i -> r.arg(i).bytes());
        if (redirect == null) return false;
        writer.error(redirect);
        return true;
    }

    /** Whether {@code key} is this node's to serve (always, standalone): pipelined batches take only those. */
    static boolean local(ServerContext context, byte[] key) {
        return Router.local(context.config().cluster(), key);
    }

    /** Encodes a reply in the connection's protocol. */
    static void write(RespWriter writer, Reply reply) throws IOException {
        switch (reply) {
            case Reply.Simple s -> writer.simple(s.text());
            case Reply.Error e -> writer.error(e.message());
            case Reply.Int i -> writer.integer(i.value());
            case Reply.Bulk b -> writer.bulk(b.bytes());
            case Reply.Verbatim v -> writer.verbatim(v.text());
            case Reply.Array a -> {
                writer.array(a.items().size());
                for (Reply item : a.items()) write(writer, item);
            }
            case Reply.Set s -> {
                writer.set(s.items().size());
                for (Reply item : s.items()) write(writer, item);
            }
            case Reply.Map m -> {
                writer.map(m.keysAndValues().size() / 2);
                for (Reply item : m.keysAndValues()) write(writer, item);
            }
        }
    }
}
