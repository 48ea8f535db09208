package dev.rawblock.server.resp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * {@code CLIENT} and its subcommands: the connection's name and id, the library attributes
 * clients send as they connect (CLIENT SETINFO: redis-py 5, Jedis, glide), and the CLIENT INFO /
 * CLIENT LIST lines. The dispatcher has checked the subcommand and its arity.
 */
final class ClientCommands {
    private static final List<String> HELP = List.of(
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "    * ID <client-id> [<client-id> ...]",
            "      Return clients of the specified ids.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.");

    private final RespWriter writer;
    private final RespClient self;
    private final RespClients clients;

    ClientCommands(RespWriter writer, RespClient self, RespClients clients) {
        this.writer = writer;
        this.self = self;
        this.clients = clients;
    }

    void run(RespRequest r) throws IOException {
        switch (r.arg(1).text().toUpperCase(Locale.ROOT)) {
            case "SETNAME" -> setName(r.arg(2).bytes());
            case "GETNAME" -> {
                byte[] name = self.name();
                if (name == null) writer.nullBulk();
                else writer.bulk(name);
            }
            case "ID" -> writer.integer(self.id());
            case "SETINFO" -> setInfo(r);
            case "INFO" -> writer.verbatim(self.line() + "\n");
            case "LIST" -> list(r);
            case "HELP" -> Help.send(writer, "CLIENT", HELP);
            default -> writer.error(CommandErrors.unknownSubcommand(r));
        }
    }

    /** CLIENT SETNAME, and HELLO's SETNAME: false (after the error reply) when the name is not allowed. */
    boolean setName(byte[] name) throws IOException {
        if (!RespClient.printableWord(name)) {
            writer.error("ERR Client names cannot contain spaces, newlines or special characters.");
            return false;
        }
        self.name(name);
        writer.simple("OK");
        return true;
    }

    /** Checks a HELLO SETNAME name without setting it (HELLO sets it only once it has authenticated). */
    boolean nameAllowed(byte[] name) throws IOException {
        if (RespClient.printableWord(name)) return true;
        writer.error("ERR Client names cannot contain spaces, newlines or special characters.");
        return false;
    }

    private void setInfo(RespRequest r) throws IOException {
        String attr = r.arg(2).text();
        byte[] value = r.arg(3).bytes();
        boolean name = attr.equalsIgnoreCase("lib-name");
        if (!name && !attr.equalsIgnoreCase("lib-ver")) {
            writer.error("ERR Unrecognized option '" + attr + "'");
        } else if (!RespClient.printableWord(value)) {
            writer.error("ERR " + attr + " cannot contain spaces, newlines or special characters.");
        } else {
            String text = new String(value, StandardCharsets.US_ASCII);
            if (name) self.libName(text);
            else self.libVer(text);
            writer.simple("OK");
        }
    }

    /** CLIENT LIST [TYPE type | ID id ...]: every connection is a normal one. */
    private void list(RespRequest r) throws IOException {
        StringBuilder out = new StringBuilder();
        if (r.size() == 4 && r.arg(2).text().equalsIgnoreCase("TYPE")) {
            String type = r.arg(3).text().toLowerCase(Locale.ROOT);
            if (!List.of("normal", "master", "slave", "replica", "pubsub").contains(type)) {
                writer.error("ERR Unknown client type '" + r.arg(3).text() + "'");
                return;
            }
            if (type.equals("normal")) for (RespClient c : clients.all()) out.append(c.line()).append('\n');
        } else if (r.size() > 3 && r.arg(2).text().equalsIgnoreCase("ID")) {
            for (int i = 3; i < r.size(); i++) {
                Long id = parseLong(r.arg(i).text());
                if (id == null) {
                    writer.error("ERR Invalid client ID");
                    return;
                }
                RespClient c = clients.get(id);
                if (c != null) out.append(c.line()).append('\n');
            }
        } else if (r.size() != 2) {
            writer.error("ERR syntax error");
            return;
        } else {
            for (RespClient c : clients.all()) out.append(c.line()).append('\n');
        }
        writer.verbatim(out.toString());
    }

    private static Long parseLong(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
