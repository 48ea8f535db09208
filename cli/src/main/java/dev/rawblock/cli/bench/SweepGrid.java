package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.SizeParser;

import java.util.ArrayList;
import java.util.List;

/**
 * The points of {@code bench device --sweep}: every pattern x block x queue depth, in the order
 * given (pattern, then block, then depth), so the table reads as curves.
 */
record SweepGrid(List<AccessPattern> patterns, List<Long> blocks, List<Integer> qds) {
    static final List<AccessPattern> DEFAULT_PATTERNS = List.of(AccessPattern.WRITE, AccessPattern.RANDREAD);
    /** 4 KiB to 4 MiB, every 4x but 16k: the points (4k, 256k, 1m, 4m) plus one between. */
    static final List<Long> DEFAULT_BLOCKS = List.of(4L << 10, 64L << 10, 256L << 10, 1L << 20, 4L << 20);
    static final List<Integer> DEFAULT_QDS = List.of(1, 8, 32, 64);

    /** One point of the grid. */
    record Point(AccessPattern pattern, long block, int qd) {
        String label() {
            return pattern.label() + " " + SizeParser.format(block) + " qd" + qd;
        }
    }

    List<Point> points() {
        List<Point> points = new ArrayList<>(patterns.size() * blocks.size() * qds.size());
        for (AccessPattern p : patterns) {
            for (long b : blocks) {
                for (int q : qds) points.add(new Point(p, b, q));
            }
        }
        return points;
    }

    long maxBlock() {
        return blocks.stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    int maxQd() {
        return qds.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    /** The largest qd x block of any point: the buffer memory the sweep needs at once. */
    long maxBufferBytes() {
        long max = 0;
        for (long b : blocks) max = Math.max(max, maxQd() * BenchDeviceCommand.blockClass(b));
        return max;
    }
}
