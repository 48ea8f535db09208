package dev.rawblock.server.cluster;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlotMapTest {
    private static Map<String, Integer> nodes(String... names) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String n : names) m.put(n, m.size());
        return m;
    }

    @Test
    void evenSplitIsRedisClis() {
        // redis-cli --cluster create 3 masters: 0-5460, 5461-10922, 10923-16383.
        SlotMap three = SlotMap.even(3);
        assertEquals(List.of(new SlotRange(0, 5460)), three.ranges(0));
        assertEquals(List.of(new SlotRange(5461, 10922)), three.ranges(1));
        assertEquals(List.of(new SlotRange(10923, 16383)), three.ranges(2));
        assertEquals(List.of(new SlotRange(0, 16383)), SlotMap.even(1).ranges(0));
        assertEquals(List.of(new SlotRange(0, 8191)), SlotMap.even(2).ranges(0));
        for (int n : new int[] {4, 5, 7, 10, 100}) {
            SlotMap map = SlotMap.even(n);
            int min = Integer.MAX_VALUE, max = 0, next = 0;
            for (int i = 0; i < n; i++) {
                List<SlotRange> r = map.ranges(i);
                assertEquals(1, r.size(), "one range per node");
                assertEquals(next, r.getFirst().start(), "in list order, no gap");
                next = r.getFirst().end() + 1;
                int size = r.getFirst().end() - r.getFirst().start() + 1;
                min = Math.min(min, size);
                max = Math.max(max, size);
            }
            assertEquals(16384, next);
            assertTrue(max - min <= 1, n + " nodes: shares differ by at most one slot");
        }
        assertThrows(IllegalArgumentException.class, () -> SlotMap.even(0));
    }

    @Test
    void explicitMap() {
        SlotMap map = SlotMap.parse("a:1=0-4095+8192-12287, b:1=4096-8191+12288-16382+16383", nodes("a:1", "b:1"));
        assertEquals(List.of(new SlotRange(0, 4095), new SlotRange(8192, 12287)), map.ranges(0));
        assertEquals(List.of(new SlotRange(4096, 8191), new SlotRange(12288, 16383)), map.ranges(1));
        assertEquals(0, map.owner(8192));
        assertEquals(1, map.owner(16383));
        // a node may have no slots
        SlotMap lopsided = SlotMap.parse("a:1=0-16383", nodes("a:1", "b:1"));
        assertEquals(List.of(), lopsided.ranges(1));
    }

    @Test
    void explicitMapErrorsNameTheProblem() {
        Map<String, Integer> ab = nodes("a:1", "b:1");
        assertEquals("cluster-slots: slots 100-16383 are given to no node (all 16384 must be, or cluster clients "
                + "refuse the cluster)", message(() -> SlotMap.parse("a:1=0-99", ab)));
        assertEquals("cluster-slots: slot 50 is given twice (to a:1 and b:1)",
                message(() -> SlotMap.parse("a:1=0-50,b:1=50-16383", ab)));
        assertEquals("cluster-slots: c:1 is not in --cluster-nodes a:1,b:1",
                message(() -> SlotMap.parse("a:1=0-100,c:1=101-16383", ab)));
        assertEquals("cluster-slots: 'x' is not a slot or a START-END range of slots",
                message(() -> SlotMap.parse("a:1=x", ab)));
        assertEquals("cluster-slots: slot range 0-16384 is not within 0-16383",
                message(() -> SlotMap.parse("a:1=0-16384", ab)));
        assertEquals("cluster-slots: slot range 9-3 is not within 0-16383", message(() -> SlotMap.parse("a:1=9-3", ab)));
        assertEquals("cluster-slots: 'a:1' is not HOST:PORT=RANGES (e.g. 127.0.0.1:7000=0-8191)",
                message(() -> SlotMap.parse("a:1", ab)));
    }

    private static String message(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }
}
