package dev.rawblock.device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The place of a mirror member that is gone (a dead drive), when the mirror serves from its
 * partner alone ({@link MirrorDevice#openAlone}). It is marked out of date in the partner's header
 * before the set opens, so the set never reads or writes it; should anything try, it fails with an
 * {@link IOException} naming the place. Its geometry and buffers are the partner's.
 */
final class AbsentMember implements BlockDevice {
    private final BlockDevice partner;
    private final String what;

    AbsentMember(BlockDevice partner, MemberHeader place) {
        this.partner = partner;
        this.what = place.describe() + " of mirror " + place.setId() + " is absent";
    }

    private <T> CompletableFuture<T> absent() {
        return CompletableFuture.failedFuture(new IOException(what));
    }

    @Override
    public List<CompletableFuture<Void>> submit(List<IoOp> ops) {
        List<CompletableFuture<Void>> failed = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) failed.add(absent());
        return failed;
    }

    @Override
    public CompletableFuture<Void> flush() {
        return absent();
    }

    @Override
    public Path path() {
        return Path.of("(absent)");
    }

    @Override
    public Geometry geometry() {
        return partner.geometry();
    }

    @Override
    public Engine engine() {
        return partner.engine();
    }

    @Override
    public BufferArena buffers() {
        return partner.buffers();
    }

    @Override
    public DeviceStats stats() {
        return new DeviceStats(0, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public void close() {
        // nothing is open
    }
}
