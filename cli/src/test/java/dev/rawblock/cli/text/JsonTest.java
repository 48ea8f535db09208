package dev.rawblock.cli.text;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {
    @Test
    void writtenObjectsReadBack() {
        String line = new Json().put("s", "a\"b\\c\n\u0001").put("n", 42).put("d", 1.23456789).put("nan", Double.NaN)
                .put("list", List.of(1.5, 2.0)).put("yes", true).put("no", false).toString();
        Map<?, ?> m = (Map<?, ?>) JsonReader.parse(line);
        assertEquals("a\"b\\c\n\u0001", m.get("s"));
        assertEquals(42.0, m.get("n"));
        assertEquals(1.23457, m.get("d"));
        assertEquals(null, m.get("nan"));
        assertEquals(List.of(1.5, 2.0), m.get("list"));
        assertEquals(Boolean.TRUE, m.get("yes"));
        assertEquals(Boolean.FALSE, m.get("no"));
    }

    @Test
    void arraysOfStringsAndObjects() {
        String line = new Json().putStrings("p", List.of("x \"1\"", "y")).putStrings("none", List.of())
                .putObjects("rows", List.of(new Json().put("a", 1), new Json().put("b", "c"))).toString();
        Map<?, ?> m = (Map<?, ?>) JsonReader.parse(line);
        assertEquals(List.of("x \"1\"", "y"), m.get("p"));
        assertEquals(List.of(), m.get("none"));
        assertEquals(List.of(Map.of("a", 1.0), Map.of("b", "c")), m.get("rows"));
    }

    @Test
    void numbersHaveNoExponentNoise() {
        assertEquals("0.0000123457", Json.number(1.23456789e-5));
        assertEquals("2", Json.number(2.0));
        assertEquals("0", Json.number(0.0));
    }

    @Test
    void readerFollowsPathsAndRejectsBadInput() {
        Object root = JsonReader.parse(" {\"a\": [true, null, {\"b\": -1.5e2}], \"u\": \"\\u00e9\"} ");
        assertEquals(-150.0, JsonReader.at(root, "a", 2, "b"));
        assertEquals(Boolean.TRUE, JsonReader.at(root, "a", 0));
        assertEquals("\u00e9", JsonReader.at(root, "u"));
        assertEquals(null, JsonReader.at(root, "a", 7));
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\": 1,}"));
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\": 01}"));
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("[1] x"));
    }
}
