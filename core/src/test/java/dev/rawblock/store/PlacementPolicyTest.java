package dev.rawblock.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code --placement} as the store parses it: the three forms, the bands, and the errors. */
class PlacementPolicyTest {
    @Test
    void parsesTheThreeForms() {
        assertEquals(PlacementPolicy.AUTO, PlacementPolicy.parse("auto"));
        assertEquals(PlacementPolicy.OFF, PlacementPolicy.parse(" OFF "));
        PlacementPolicy p = PlacementPolicy.parse("metadata=7,bands=64k/1m");
        assertTrue(p.enabled());
        assertEquals(7, p.metadataIndex());
        assertArrayEquals(new long[] {64 << 10, 1 << 20}, p.bands());
        assertEquals(PlacementPolicy.DEFAULT_BANDS.length, PlacementPolicy.parse("metadata=2").bands().length);
        assertEquals(0, PlacementPolicy.parse("bands=1g").metadataIndex());
        assertEquals(p, PlacementPolicy.parse(p.toString()), "toString is a form parse takes back");
    }

    @Test
    void aBandIsChosenByTheSlotSizeWithExclusiveUpperBounds() {
        PlacementPolicy p = PlacementPolicy.parse("bands=64k/1m");
        assertEquals(3, p.bandCount());
        assertEquals(0, p.band((64 << 10) - 4096));
        assertEquals(1, p.band(64 << 10));
        assertEquals(1, p.band((1 << 20) - 4096));
        assertEquals(2, p.band(1 << 20));
        assertEquals(2, p.band(80L << 20));
    }

    @Test
    void badPoliciesNameWhatIsAccepted() {
        for (String bad : new String[] {"", "bogus", "auto,", "metadata=x", "metadata=", "bands=", "bands=1q",
                "bands=99999999999g", "size=1m"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlacementPolicy.parse(bad),
                    bad);
            assertTrue(e.getMessage().contains("expected auto, off, or metadata=INDEX,bands="), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PlacementPolicy.parse("bands=1m/64k"), "descending");
        assertThrows(IllegalArgumentException.class, () -> PlacementPolicy.parse("bands=0"), "empty band");
        assertThrows(IllegalArgumentException.class, () -> PlacementPolicy.parse("metadata=-1"), "negative index");
    }
}
