package dev.rawblock.cli.text;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SecondsParserTest {
    @Test
    void decimalSecondsAreExact() {
        assertEquals(Duration.ZERO, SecondsParser.parse("0"));
        assertEquals(Duration.ofMillis(250), SecondsParser.parse("0.25"));
        assertEquals(Duration.ofSeconds(300), SecondsParser.parse(" 300 "));
        assertEquals(Duration.ofSeconds(99_999_999_999L), SecondsParser.parse("99999999999"), "range is the caller's");
    }

    @Test
    void aFractionFinerThanANanosecondRoundsUpSoItNeverBecomesZero() {
        assertEquals(Duration.ofNanos(1), SecondsParser.parse("0.0000000001"));
    }

    @Test
    void whatIsNotPlainSecondsIsRefusedWithExamples() {
        for (String bad : new String[] {"", "NaN", "Infinity", "-1", "1e3", "5s", "1.", "99999999999999999999"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecondsParser.parse(bad), bad);
            assertEquals("invalid seconds '" + bad + "': it is "
                    + (bad.length() == 20 ? "too large" : "not a number of seconds") + " (examples: 0, 0.5, 300)",
                    e.getMessage());
        }
    }
}
