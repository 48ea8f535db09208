package dev.rawblock.cli;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceBusyException;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.store.StoreFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The devices a command's store is on: the one {@code --path}, or several, the members of a set.
 * Every command that opens a store opens its devices here, so all of them take the same paths the
 * same way and refuse the same things.
 */
public final class StoreDevices {
    private StoreDevices() {}

    /**
     * A set's buffers come from its first member's arena (see SpanDevice); the others need memory
     * only to stage the rare unaligned buffer.
     */
    private static final long MEMBER_ARENA_BYTES = 1L << 20;

    /**
     * Opens a device with each of {@code options}; members after the first get a small arena. A
     * device another process holds is refused with who holds it. When one fails, the ones already
     * open are closed.
     */
    public static List<BlockDevice> openEach(List<DeviceOptions> options) throws IOException {
        List<BlockDevice> devices = new ArrayList<>(options.size());
        try {
            for (DeviceOptions o : options) {
                if (!devices.isEmpty()) o = o.withArenaBytes(Math.min(o.arenaBytes(), MEMBER_ARENA_BYTES));
                try {
                    devices.add(BlockDevice.open(o));
                } catch (DeviceBusyException e) {
                    throw new IOException(e.getMessage() + ServedStoreHint.forHolder(e.holderPid()), e);
                }
            }
            return devices;
        } catch (IOException | RuntimeException e) {
            closeQuietly(devices, e);
            throw e;
        }
    }

    /**
     * The device a store on {@code devices} is opened on: the one device, or the set its members
     * form (which then owns them); with {@code rebuild}, a mirror's new or out-of-date member is
     * rebuilt online (see {@link StoreFormat#openSet(List, boolean)}). When they are not exactly one
     * set's members, all are closed and the one-line reason thrown.
     */
    public static BlockDevice combine(List<BlockDevice> devices, boolean rebuild) throws IOException {
        if (devices.size() == 1) return devices.getFirst();
        try {
            return StoreFormat.openSet(devices, rebuild);
        } catch (IOException | RuntimeException e) {
            closeQuietly(devices, e);
            throw e;
        }
    }

    /** Closes every device; what a close throws is added to {@code cause}. */
    static void closeQuietly(List<BlockDevice> devices, Throwable cause) {
        for (BlockDevice d : devices) {
            try {
                d.close();
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /** "PATH" for one device, "PATH and 2 more members" for a set, for log lines. */
    static String describe(List<Path> paths) {
        return paths.getFirst() + (paths.size() == 1 ? "" : " and " + (paths.size() - 1) + " more member"
                + (paths.size() == 2 ? "" : "s"));
    }
}
