package dev.rawblock.device;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Copies the survivor of a {@link MirrorDevice} onto a replacement zone by zone while the set
 * serves, then makes the replacement an up-to-date member ({@link MirrorHealth#finishRebuild}).
 *
 * <p>Writes go to both members throughout, so a zone already copied stays current. A zone being
 * copied must not race a write into it: the copy could read the survivor before the write and
 * land on the replacement after it, leaving a stale copy there. So the copy of a zone starts only
 * when no write into it is in flight (it waits for the last one to complete), and a write into the
 * zone being copied is held back ({@link #admit}) until the copy is written. Zones not yet copied
 * take writes freely: their copy comes later and reads what those writes left.
 */
final class MirrorRebuild {
    private final IntentBitmap zones;
    private final MirrorHealth health;
    private final int source, target;
    private final long totalBytes;
    private final CompletableFuture<Void> done;
    // Guarded by this.
    private final int[] writing;
    private final List<Runnable> held = new ArrayList<>();
    private int copying = -1, nextZone;
    private boolean waitingForWrites, running, stopping;
    private long copiedBytes;

    /**
     * @param zones  the set's zones (only their geometry is used)
     * @param target the member being rebuilt; the other is the source
     * @param done   the future {@link #done()} returns, of the members' type (see {@link MirrorDevice})
     */
    MirrorRebuild(IntentBitmap zones, MirrorHealth health, int target, long totalBytes, CompletableFuture<Void> done) {
        this.zones = zones;
        this.done = done;
        this.health = health;
        this.target = target;
        this.source = 1 - target;
        this.totalBytes = totalBytes;
        this.writing = new int[zones.zones()];
    }

    /** Completes when the replacement is an up-to-date member; fails when the rebuild stopped. */
    CompletableFuture<Void> done() {
        return done;
    }

    synchronized long copiedBytes() {
        return copiedBytes;
    }

    long totalBytes() {
        return totalBytes;
    }

    void start() {
        health.startRebuild();
        next();
    }

    /**
     * Whether a write into zones {@code first..last} may be issued now; if not, {@code later} runs
     * (and asks again) once the zone being copied is written. An admitted write must report
     * {@link #written}.
     */
    synchronized boolean admit(int first, int last, Runnable later) {
        if (copying >= first && copying <= last) {
            held.add(later);
            return false;
        }
        for (int z = first; z <= last; z++) writing[z]++;
        return true;
    }

    /** An admitted write completed (or failed). */
    void written(int first, int last) {
        boolean copy;
        synchronized (this) {
            for (int z = first; z <= last; z++) writing[z]--;
            copy = waitingForWrites && writing[copying] == 0 && !stopping;
            if (copy) waitingForWrites = false;
        }
        if (copy) copyZone();
        else stopIfIdle();
    }

    /** Stops the rebuild (the set closes): the current step finishes, no other starts. */
    CompletableFuture<Void> stop() {
        synchronized (this) {
            stopping = true;
        }
        stopIfIdle();
        return done.handle((v, e) -> null);
    }

    private void stopIfIdle() {
        synchronized (this) {
            if (!stopping || running) return;
        }
        done.completeExceptionally(new DeviceClosedException("mirror rebuild"));
    }

    private void next() {
        int zone;
        synchronized (this) {
            running = false;
            if (stopping) zone = -2;
            else if (nextZone == zones.zones()) zone = -1;
            else {
                zone = copying = nextZone++;
                if (writing[zone] > 0) {
                    waitingForWrites = true;
                    return;
                }
            }
            if (zone != -2) running = true;
        }
        if (zone == -2) stopIfIdle();
        else if (zone == -1) finish();
        else copyZone();
    }

    private void copyZone() {
        int zone;
        synchronized (this) {
            zone = copying;
            running = true;
        }
        long length = zones.zoneLength(zone);
        ZoneCopy.copy(health.member(source), health.member(target), MemberHeader.DATA_OFFSET + zones.zoneStart(zone), length)
                .whenComplete((v, e) -> {
                    List<Runnable> release;
                    synchronized (this) {
                        copying = -1;
                        release = new ArrayList<>(held);
                        held.clear();
                        if (e == null) copiedBytes += length;
                    }
                    release.forEach(Runnable::run);
                    if (e == null) next();
                    else abort(e);
                });
    }

    /** Every zone copied: make the copies durable, then the headers say the member is up to date. */
    private void finish() {
        CompletableFuture.allOf(health.member(source).flush(), health.member(target).flush())
                .thenCompose(v -> health.finishRebuild())
                .whenComplete((v, e) -> {
                    synchronized (this) {
                        running = false;
                    }
                    if (e == null) done.complete(null);
                    else abort(e);
                });
    }

    /** The rebuild cannot go on: the replacement stays out of date and stops taking writes. */
    private void abort(Throwable e) {
        synchronized (this) {
            running = false;
        }
        Throwable cause = MirrorHealth.cause(e);
        health.fail(target, cause).whenComplete((v, f) -> done.completeExceptionally(cause));
    }
}
