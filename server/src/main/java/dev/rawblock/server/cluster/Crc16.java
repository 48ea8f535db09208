package dev.rawblock.server.cluster;

/**
 * CRC16 as Redis Cluster uses it to place keys: the XMODEM variant (polynomial 0x1021, initial
 * value 0, no reflection, no final XOR). Redis's published check value: CRC16 of the nine bytes
 * {@code "123456789"} is {@code 0x31C3}.
 */
public final class Crc16 {
    private static final int POLYNOMIAL = 0x1021;
    /** The CRC of every byte value, so each key byte costs one lookup instead of eight shifts. */
    private static final char[] TABLE = new char[256];

    static {
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ POLYNOMIAL : crc << 1;
            }
            TABLE[b] = (char) crc;
        }
    }

    private Crc16() {
    }

    /** The CRC16-XMODEM of {@code bytes[from, to)}, 0..0xFFFF. */
    public static int of(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]) & 0xFF]) & 0xFFFF;
        }
        return crc;
    }

    public static int of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }
}
