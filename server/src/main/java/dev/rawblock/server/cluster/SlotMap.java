package dev.rawblock.server.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Which node owns each of the 16384 slots. Every slot has exactly one owner: rawblock's cluster is
 * fixed at start, so there are no unassigned, migrating or importing slots.
 *
 * <p>Two ways to make one:
 * <ul>
 *   <li>{@link #even}: the slots split evenly over the nodes in list order, the way
 *       {@code redis-cli --cluster create} splits them (3 nodes: 0-5460, 5461-10922, 10923-16383);</li>
 *   <li>{@link #parse}: an explicit map, {@code --cluster-slots}, in the format
 *       {@code HOST:PORT=RANGES,HOST:PORT=RANGES,...}, where each HOST:PORT is written as in
 *       {@code --cluster-nodes} and RANGES is one or more {@code START-END} or {@code SLOT} joined by
 *       {@code +}, e.g. {@code a:7000=0-8191,b:7000=8192-16383} or
 *       {@code a:7000=0-4095+8192-12287,b:7000=4096-8191+12288-16383}. Every slot must be given
 *       to exactly one node; a node may be given none.</li>
 * </ul>
 */
public final class SlotMap {
    /** Owner of each slot: an index into the node list. */
    private final short[] owner;

    private SlotMap(short[] owner) {
        this.owner = owner;
    }

    /** Node index owning {@code slot}. */
    public int owner(int slot) {
        return owner[slot];
    }

    /** The slots of node {@code node}, as maximal ranges in slot order. */
    public List<SlotRange> ranges(int node) {
        List<SlotRange> ranges = new ArrayList<>();
        int start = -1;
        for (int slot = 0; slot <= KeySlot.SLOTS; slot++) {
            boolean mine = slot < KeySlot.SLOTS && owner[slot] == node;
            if (mine && start < 0) start = slot;
            if (!mine && start >= 0) {
                ranges.add(new SlotRange(start, slot - 1));
                start = -1;
            }
        }
        return ranges;
    }

    /**
     * The slots split evenly over {@code nodes} nodes in order: node i ends at slot
     * round((i + 1) * 16384 / nodes) - 1, so the shares differ by at most one slot.
     */
    public static SlotMap even(int nodes) {
        if (nodes < 1 || nodes > KeySlot.SLOTS) {
            throw new IllegalArgumentException("cluster-nodes must name 1.." + KeySlot.SLOTS + " nodes, got " + nodes);
        }
        short[] owner = new short[KeySlot.SLOTS];
        int first = 0;
        for (int i = 0; i < nodes; i++) {
            int last = i == nodes - 1 ? KeySlot.SLOTS - 1
                    : (int) Math.round((double) (i + 1) * KeySlot.SLOTS / nodes - 1);
            Arrays.fill(owner, first, last + 1, (short) i);
            first = last + 1;
        }
        return new SlotMap(owner);
    }

    /**
     * Parses an explicit map (format above).
     *
     * @param indexes every node's {@code HOST:PORT} as written in the node list, to its index
     * @throws IllegalArgumentException naming what is wrong, starting with {@code cluster-slots}
     */
    public static SlotMap parse(String map, Map<String, Integer> indexes) {
        short[] owner = new short[KeySlot.SLOTS];
        Arrays.fill(owner, (short) -1);
        for (String entry : map.split(",", -1)) {
            entry = entry.strip();
            int eq = entry.lastIndexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw bad("'" + entry + "' is not HOST:PORT=RANGES (e.g. 127.0.0.1:7000=0-8191)");
            }
            String node = entry.substring(0, eq).strip();
            Integer index = indexes.get(node);
            if (index == null) throw bad(node + " is not in --cluster-nodes " + String.join(",", indexes.keySet()));
            for (String range : entry.substring(eq + 1).split("\\+", -1)) {
                SlotRange r = range(range.strip());
                for (int slot = r.start(); slot <= r.end(); slot++) {
                    if (owner[slot] >= 0) {
                        throw bad("slot " + slot + " is given twice (to " + nameOf(indexes, owner[slot]) + " and " + node + ")");
                    }
                    owner[slot] = index.shortValue();
                }
            }
        }
        List<SlotRange> missing = new ArrayList<>();
        int start = -1;
        for (int slot = 0; slot <= KeySlot.SLOTS; slot++) {
            boolean unassigned = slot < KeySlot.SLOTS && owner[slot] < 0;
            if (unassigned && start < 0) start = slot;
            if (!unassigned && start >= 0) {
                missing.add(new SlotRange(start, slot - 1));
                start = -1;
            }
        }
        if (!missing.isEmpty()) {
            List<String> shown = missing.stream().limit(5).map(SlotRange::toString).toList();
            throw bad("slots " + String.join(",", shown) + (missing.size() > 5 ? ",..." : "")
                    + " are given to no node (all 16384 must be, or cluster clients refuse the cluster)");
        }
        return new SlotMap(owner);
    }

    private static SlotRange range(String text) {
        try {
            int dash = text.indexOf('-');
            int start = Integer.parseInt(dash < 0 ? text : text.substring(0, dash).strip());
            int end = dash < 0 ? start : Integer.parseInt(text.substring(dash + 1).strip());
            return new SlotRange(start, end);
        } catch (NumberFormatException e) {
            throw bad("'" + text + "' is not a slot or a START-END range of slots");
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    private static String nameOf(Map<String, Integer> indexes, int index) {
        return indexes.entrySet().stream().filter(e -> e.getValue() == index).map(Map.Entry::getKey).findFirst()
                .orElse("node " + index);
    }

    private static IllegalArgumentException bad(String message) {
        return new IllegalArgumentException("cluster-slots: " + message);
    }
}
