package dev.rawblock.cli.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeParserTest {

    @Test
    void plainNumbersAreBytes() {
        assertEquals(4096, SizeParser.parse("4096"));
        assertEquals(1, SizeParser.parse("1"));
    }

    @Test
    void suffixesArePowersOf1024() {
        assertEquals(256L << 10, SizeParser.parse("256k"));
        assertEquals(64L << 20, SizeParser.parse("64m"));
        assertEquals(2L << 30, SizeParser.parse("2g"));
        assertEquals(1L << 40, SizeParser.parse("1t"));
    }

    @Test
    void acceptsCommonSpellings() {
        assertEquals(2L << 30, SizeParser.parse("2G"));
        assertEquals(256L << 10, SizeParser.parse("256KiB"));
        assertEquals(256L << 10, SizeParser.parse("256kb"));
        assertEquals(8L << 10, SizeParser.parse(" 8k "));
        assertEquals(3L << 29, SizeParser.parse("1.5g"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "12x", "-1", "0", "0k", "k", "1.5", "1..5g", "2 g g", "99999999t", "1e3"})
    void rejectsBadInputWithAClearMessage(String input) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SizeParser.parse(input));
        assertTrue(e.getMessage().startsWith("invalid size '" + input + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("256k"), "the message shows examples: " + e.getMessage());
    }

    @Test
    void nullIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> SizeParser.parse(null));
    }

    @Test
    void everyUnitScalesByItsPower() {
        for (int unit = 0; unit < 4; unit++) {
            String suffix = String.valueOf("kmgt".charAt(unit));
            for (long n : new long[] {1, 3, 512, 1000, 1 << 20}) {
                assertEquals(n << (10 * (unit + 1)), SizeParser.parse(n + suffix), n + suffix);
                assertEquals(n << (10 * (unit + 1)), SizeParser.parse(n + suffix.toUpperCase() + "iB"), n + suffix);
            }
        }
    }

    @Test
    void formatsWithTheLargestExactUnit() {
        assertEquals("256 KiB", SizeParser.format(256L << 10));
        assertEquals("2 GiB", SizeParser.format(2L << 30));
        assertEquals("1536 MiB", SizeParser.format(3L << 29));
        assertEquals("1000 B", SizeParser.format(1000));
    }
}
