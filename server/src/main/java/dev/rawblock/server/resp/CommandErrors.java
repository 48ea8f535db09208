package dev.rawblock.server.resp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The texts of Redis 7's errors for requests that name no command, no subcommand, or the wrong
 * number of arguments. Clients and tests match on them, so they are Redis's to the byte: names
 * and arguments are echoed as sent, cut at a NUL byte (Redis prints them as C strings) and to
 * 128 bytes (the name alone, and the quoted arguments together).
 */
final class CommandErrors {
    /** Redis's {@code %.128s}: how much of a name or of the argument list an error echoes. */
    private static final int ECHOED = 128;

    private CommandErrors() {
    }

    /** {@code ERR unknown command 'foo', with args beginning with: 'a' 'b' }. */
    static byte[] unknownCommand(RespRequest r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("ERR unknown command '".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(cString(r.arg(0).bytes(), ECHOED));
        out.writeBytes("', with args beginning with: ".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream args = new ByteArrayOutputStream();
        for (int i = 1; i < r.size() && args.size() < ECHOED; i++) {
            args.write('\'');
            args.writeBytes(cString(r.arg(i).bytes(), ECHOED - args.size() + 1));
            args.write('\'');
            args.write(' ');
        }
        out.writeBytes(args.toByteArray());
        return out.toByteArray();
    }

    /** {@code ERR unknown subcommand 'x'. Try CLIENT HELP.} */
    static byte[] unknownSubcommand(RespRequest r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("ERR unknown subcommand '".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(cString(r.arg(1).bytes(), ECHOED));
        out.writeBytes(("'. Try " + new String(cString(r.arg(0).bytes(), Integer.MAX_VALUE), StandardCharsets.ISO_8859_1)
                .toUpperCase(Locale.ROOT) + " HELP.").getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** {@code ERR wrong number of arguments for 'get' command} ({@code 'client|setname'} for a subcommand). */
    static String wrongArity(String fullName) {
        return "ERR wrong number of arguments for '" + fullName + "' command";
    }

    /** The bytes up to the first NUL, at most {@code max} of them. */
    private static byte[] cString(byte[] bytes, int max) {
        int n = 0;
        while (n < bytes.length && n < max && bytes[n] != 0) n++;
        return java.util.Arrays.copyOf(bytes, n);
    }
}
