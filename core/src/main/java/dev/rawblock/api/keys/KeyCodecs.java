package dev.rawblock.api.keys;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The few string helpers LMCache's {@code key_codec.py} borrows from Python, re-implemented byte for byte so that
 * keys we encode are identical to the reference's (keys are index and checkpoint keys, so one differing byte means a
 * miss).
 *
 * <p>{@link java.net.URLEncoder} is deliberately not used: it is HTML-form encoding ({@code ' '} becomes {@code '+'},
 * {@code '*'} is kept, {@code '~'} is escaped), which differs from Python's {@code urllib.parse.quote}.
 */
public final class KeyCodecs {
    /** Lowercase, like Python's {@code bytes.hex()}. */
    private static final HexFormat HEX = HexFormat.of();
    /** Python's {@code quote} emits uppercase escapes ({@code %2F}, not {@code %2f}). */
    private static final HexFormat HEX_UPPER = HexFormat.of().withUpperCase();

    private KeyCodecs() {}

    /**
     * Python's {@code urllib.parse.quote(s, safe="")}: unreserved ASCII ({@code A-Z a-z 0-9 _ . - ~}) is kept, every
     * other UTF-8 byte becomes {@code %XX} with uppercase hex. So {@code '/'} is {@code %2F} and {@code '@'} is
     * {@code %40}, which is what lets {@code '@'} act as the field separator of object keys.
     *
     * @throws IllegalArgumentException if {@code s} is not well-formed UTF-16 (a lone surrogate), which Python
     *     could not have produced either (its strict UTF-8 encoder raises)
     */
    public static String urlQuote(String s) {
        byte[] utf8 = utf8Strict(s);
        StringBuilder out = new StringBuilder(utf8.length * 3);
        for (byte b : utf8) {
            int u = b & 0xff;
            if (isUnreserved(u)) {
                out.append((char) u);
            } else {
                out.append('%').append(HEX_UPPER.toHexDigits(b));
            }
        }
        return out.toString();
    }

    /**
     * Inverse of {@link #urlQuote}. Unlike Python's lenient {@code unquote} (which leaves a bad {@code %} sequence as
     * is and replaces bad UTF-8 with U+FFFD), this rejects malformed input: a key we cannot decode exactly must not
     * silently alias another key.
     *
     * @throws IllegalArgumentException on a truncated or non-hex {@code %} escape, or escapes that are not UTF-8
     */
    public static String urlUnquote(String s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException(
                            "truncated percent escape at index " + i + " in \"" + s + "\"");
                }
                if (!HexFormat.isHexDigit(s.charAt(i + 1)) || !HexFormat.isHexDigit(s.charAt(i + 2))) {
                    throw new IllegalArgumentException("malformed percent escape \"" + s.substring(i, i + 3)
                            + "\" at index " + i + " in \"" + s + "\"");
                }
                bytes.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
                i += 3;
            } else {
                // Copy the literal run up to the next escape as its UTF-8 bytes.
                int end = s.indexOf('%', i);
                if (end < 0) end = s.length();
                bytes.writeBytes(utf8Strict(s.substring(i, end)));
                i = end;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()   // a fresh decoder REPORTs errors instead of replacing
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("percent escapes are not valid UTF-8 in \"" + s + "\"", e);
        }
    }

    /** Lowercase hex, like Python's {@code bytes.hex()}. */
    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /**
     * Inverse of {@link #hex}. Only the canonical form {@link #hex} produces is accepted (even length, lowercase), so
     * that one byte string has exactly one encoded key.
     */
    public static byte[] unhex(String s) {
        if ((s.length() & 1) != 0) {
            throw new IllegalArgumentException("odd-length hex \"" + s + "\"");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new IllegalArgumentException(
                        "not lowercase hex: '" + c + "' at index " + i + " in \"" + s + "\"");
            }
        }
        return HEX.parseHex(s);
    }

    /** UTF-8 that fails on lone surrogates; {@link String#getBytes} would silently write {@code '?'}. */
    static byte[] utf8Strict(String s) {
        try {
            ByteBuffer buf = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(s));
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not well-formed UTF-16 (lone surrogate) in \"" + s + "\"", e);
        }
    }

    private static boolean isUnreserved(int b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
                || b == '_' || b == '.' || b == '-' || b == '~';
    }
}
