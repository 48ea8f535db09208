package dev.rawblock.server.lm;

import java.util.Random;

/** Generated bad lm:// frames for the malformed-input test. */
public final class LmFrames {
    private LmFrames() {
    }

    /** A wrong command, a bad or lying length, or bytes that are not a header at all. */
    public static byte[] bad(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> LmClient.request(6 + r.nextInt(1000), 0, 1, 2, 0, new int[4], "k" + r.nextInt()); // unknown command
            case 1 -> LmClient.request(1, -1 - r.nextInt(1 << 30), 1, 2, 0, new int[4], "neg");      // negative length
            case 2 -> LmClient.request(1, Integer.MAX_VALUE - r.nextInt(1000), 1, 2, 0, new int[4], "huge");
            case 3 -> {                                                                          // a PUT that stops short
                byte[] header = LmClient.request(1, 1000 + r.nextInt(100_000), 1, 2, 0, new int[4], "short");
                byte[] frame = new byte[header.length + r.nextInt(500)];
                System.arraycopy(header, 0, frame, 0, header.length);
                yield frame;
            }
            default -> {                                                                         // garbage
                byte[] frame = new byte[1 + r.nextInt(400)];
                r.nextBytes(frame);
                yield frame;
            }
        };
    }
}
