package dev.rawblock.store;

import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.BufferArena;
import dev.rawblock.device.IoBuffer;
import dev.rawblock.device.IoOp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntToLongFunction;

/**
 * Moves slot images between memory and the device: encodes headers, stages values through
 * arena buffers or hands the caller's memory to the device (zero-copy), submits, and verifies
 * what it reads. Knows slots and keys, never the index: the batches decide what to read and
 * write, under the {@link Catalog}'s lock, and call here outside it.
 *
 * <p><b>Pair assertions.</b> A header is decoded and checked right after it is encoded, before it
 * is submitted (under {@code assert}): an encoder bug then fails the write that has it, not a
 * load much later.
 *
 * <p>Every submission is counted; a submission that throws fails each of its operations (none of
 * their keys will be indexed) rather than escaping with state half-made. Failed reads and writes
 * are reported to {@link Health}.
 */
final class SlotIo {
    private final BlockDevice device;
    private final IoTracker io;
    private final int block;
    private final long storeId;
    private final long maxBatchBytes;
    private final Health health;
    private final StoreCounters.Cost cost;

    SlotIo(BlockDevice device, IoTracker io, int block, long storeId, long maxBatchBytes, Health health,
           StoreCounters.Cost cost) {
        this.device = device;
        this.io = io;
        this.block = block;
        this.storeId = storeId;
        this.maxBatchBytes = maxBatchBytes;
        this.health = health;
        this.cost = cost;
    }

    BufferArena buffers() {
        return device.buffers();
    }

    int block() {
        return block;
    }

    long storeId() {
        return storeId;
    }

    Health health() {
        return health;
    }

    /** A slot scan over this store's device, each batch within the staging cap. */
    SlotScan scan() {
        return new SlotScan(device.buffers(), this::submitOrFail, maxBatchBytes, Integer.MAX_VALUE, 1);
    }

    /** Cuts {@code [0, n)} into runs within {@link StoreOptions#maxBatchBytes()} of staging memory: one submission each. */
    List<int[]> runs(int n, IntToLongFunction bytesOf) {
        return SlotScan.runs(n, bytesOf, maxBatchBytes, Integer.MAX_VALUE);
    }

    /** Submits a batch, counted; a submission that throws fails every one of its operations. */
    List<CompletableFuture<Void>> submitOrFail(List<IoOp> ops) {
        cost.batchSubmissions.increment();
        try {
            return io.submit(ops);
        } catch (RuntimeException e) {
            return ops.stream().map(op -> CompletableFuture.<Void>failedFuture(e)).toList();
        }
    }

    static boolean succeeded(CompletableFuture<Void> f) {
        try {
            f.join();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether a value's payload can move straight between the device and {@code memory}: native,
     * aligned for direct I/O, room for the padded length, and the value not inline in its header.
     */
    boolean zeroCopy(MemorySegment memory, int keyLength, long length) {
        return memory.isNative() && memory.address() % device.alignment() == 0
                && memory.byteSize() >= SlotHeader.roundUp(length, block)
                && !SlotHeader.inline(keyLength, length, block) && memory.isAccessibleBy(ANY_THREAD);
    }

    /** Memory this never-started thread may touch is not confined: an engine's threads may touch it too. */
    private static final Thread ANY_THREAD = Thread.ofPlatform().unstarted(() -> { });

    // ------------------------------------------------------------------ writes

    /**
     * Encodes and writes the planned slots, in submissions of at most {@code maxBatchBytes} of
     * staging memory each. Returns, per planned key, whether its write succeeded.
     */
    boolean[] write(List<PutBatch.Planned> planned, List<byte[]> keys, List<MemorySegment> values) {
        boolean[] ok = new boolean[planned.size()];
        for (int[] run : runs(planned.size(), p -> planned.get(p).ioBytes())) {
            int start = run[0], end = run[1];
            List<IoBuffer> buffers = new ArrayList<>(end - start);
            List<IoOp> ops = new ArrayList<>(2 * (end - start));
            List<Integer> owner = new ArrayList<>(2 * (end - start)); // planned index of each op
            try {
                for (int p = start; p < end; p++) {
                    PutBatch.Planned pl = planned.get(p);
                    try {
                        List<IoOp> its = encode(pl, keys.get(pl.key()), values.get(pl.key()), buffers);
                        ops.addAll(its);
                        for (int i = 0; i < its.size(); i++) owner.add(p);
                    } catch (RuntimeException e) {
                        health.writeFailed(); // a preparation failure fails this key alone
                    }
                }
                List<CompletableFuture<Void>> futures = submitOrFail(ops);
                boolean[] prepared = new boolean[end - start], failed = new boolean[end - start];
                for (int i = 0; i < futures.size(); i++) {
                    prepared[owner.get(i) - start] = true;
                    failed[owner.get(i) - start] |= !succeeded(futures.get(i));
                }
                for (int p = start; p < end; p++) {
                    if (!prepared[p - start]) continue; // its preparation failed (already counted)
                    if (failed[p - start]) health.writeFailed();
                    else ok[p] = true;
                }
            } finally {
                for (IoBuffer b : buffers) b.close();
            }
        }
        return ok;
    }

    /** The operations that write one planned slot; the buffers they stage go to {@code buffers}. */
    private List<IoOp> encode(PutBatch.Planned pl, byte[] key, MemorySegment value, List<IoBuffer> buffers) {
        List<IoOp> ops = new ArrayList<>(2);
        if (zeroCopy(value, key.length, value.byteSize())) {
            // Header blocks from a staging buffer, the payload straight from the caller's memory.
            int headerBytes = SlotHeader.headerBytes(key.length, value.byteSize(), block);
            IoBuffer header = device.buffers().allocate(headerBytes);
            buffers.add(header);
            SlotHeader.encodeHeader(header.segment(), key, pl.fp(), storeId, pl.seq(), value, block);
            assert SlotHeader.verify(header.segment(), value, key, storeId, value.byteSize(), block) == null
                    && SlotHeader.verifyHeader(header.segment(), pl.fp(), storeId, value.byteSize(), pl.seq()) == null
                    : "encoded header of " + pl.fp() + " does not verify";
            ops.addAll(pl.place().write(0, header.segment(), pl.placement()));
            ops.add(IoOp.write(pl.place().payload(headerBytes), value, pl.placement()));
        } else {
            IoBuffer slot = device.buffers().allocate(pl.ioBytes());
            buffers.add(slot);
            SlotHeader.encode(slot.segment(), key, pl.fp(), storeId, pl.seq(), value, block);
            assert SlotHeader.verify(slot.segment(), key, storeId, value.byteSize(), block) == null
                    && SlotHeader.verifyHeader(slot.segment(), pl.fp(), storeId, value.byteSize(), pl.seq()) == null
                    : "encoded slot of " + pl.fp() + " does not verify";
            ops.addAll(pl.place().write(0, slot.segment(), pl.placement()));
        }
        return ops;
    }

    /** Writes {@code data} as the bytes of a slot's image from {@code from} on (a {@link PutStream}'s piece). */
    CompletableFuture<Void> write(SlotLayout.Place place, long from, MemorySegment data, int placement) {
        return SlotLayout.all(submitOrFail(place.write(from, data, placement)));
    }

    /**
     * Encodes and writes the header of a value streamed into its slot, whose payload checksum is
     * {@code payloadCrc}, and waits for it; false if it failed.
     */
    boolean writeStreamedHeader(PutBatch.Planned pl, byte[] key, int headerBytes, int payloadCrc) {
        try (IoBuffer header = device.buffers().allocate(headerBytes)) {
            SlotHeader.encodeHeader(header.segment(), key, pl.fp(), storeId, pl.seq(), pl.length(), payloadCrc, block);
            assert SlotHeader.verifyHeaderOf(header.segment(), key, storeId, pl.length(), block) == null
                    && SlotHeader.verifyHeader(header.segment(), pl.fp(), storeId, pl.length(), pl.seq()) == null
                    && SlotHeader.payloadCrc(header.segment()) == payloadCrc
                    : "encoded header of " + pl.fp() + " does not verify";
            write(pl.place(), 0, header.segment(), pl.placement()).join();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ reads

    /**
     * Reads and verifies the found slots into their destinations: per key, its length in
     * {@code results}, or (failing verification) the key in {@code corrupt}.
     */
    void read(List<byte[]> keys, List<MemorySegment> destinations, List<LoadBatch.Found> found, long[] results,
              List<LoadBatch.Found> corrupt) {
        for (int[] run : runs(found.size(), f -> found.get(f).ioBytes())) {
            int start = run[0], end = run[1];
            List<IoBuffer> buffers = new ArrayList<>(end - start);
            try {
                // Per key: its slot image into a staging buffer, or (zero-copy) its header blocks into a
                // staging buffer and its payload straight into the caller's destination; each one or
                // two operations (see SlotLayout).
                List<IoOp> ops = new ArrayList<>(2 * (end - start));
                boolean[] direct = new boolean[end - start];
                int[] opEnd = new int[end - start];
                MemorySegment[] image = new MemorySegment[end - start];
                for (int f = start; f < end; f++) {
                    LoadBatch.Found fd = found.get(f);
                    int keyLen = keys.get(fd.key()).length;
                    MemorySegment dst = destinations.get(fd.key());
                    direct[f - start] = zeroCopy(dst, keyLen, fd.length());
                    if (direct[f - start]) {
                        int headerBytes = SlotHeader.headerBytes(keyLen, fd.length(), block);
                        IoBuffer header = device.buffers().allocate(headerBytes);
                        buffers.add(header);
                        ops.addAll(fd.place().read(0, header.segment()));
                        ops.add(IoOp.read(fd.place().payload(headerBytes), dst.asSlice(0, SlotHeader.roundUp(fd.length(), block))));
                        image[f - start] = header.segment();
                    } else {
                        IoBuffer slot = device.buffers().allocate(fd.ioBytes());
                        buffers.add(slot);
                        ops.addAll(fd.place().read(0, slot.segment()));
                        image[f - start] = slot.segment();
                    }
                    opEnd[f - start] = ops.size();
                }
                List<CompletableFuture<Void>> futures = submitOrFail(ops);
                for (int f = start, op = 0; f < end; f++) {
                    LoadBatch.Found fd = found.get(f);
                    boolean ok = true;
                    for (; op < opEnd[f - start]; op++) ok &= succeeded(futures.get(op));
                    if (!ok) {
                        health.readFailed();
                        continue;
                    }
                    byte[] key = keys.get(fd.key());
                    MemorySegment dst = destinations.get(fd.key());
                    MemorySegment read = image[f - start];
                    String problem = direct[f - start]
                            ? SlotHeader.verify(read, dst.asSlice(0, fd.length()), key, storeId, fd.length(), block)
                            : SlotHeader.verify(read, key, storeId, fd.length(), block);
                    if (problem != null) {
                        corrupt.add(fd);
                        continue;
                    }
                    if (!direct[f - start]) {
                        MemorySegment.copy(SlotHeader.payload(read, key.length, fd.length(), block), 0, dst, 0, fd.length());
                    }
                    results[fd.key()] = fd.length();
                }
            } finally {
                for (IoBuffer b : buffers) b.close();
            }
        }
    }

    /** Starts reading the first {@code into}'s size bytes of a slot's image. */
    CompletableFuture<Void> readImage(SlotLayout.Place place, MemorySegment into) {
        return SlotLayout.all(io.submit(place.read(0, into)));
    }

    /** Starts reading {@code into}'s size bytes from device offset {@code offset}; a failure is reported. */
    CompletableFuture<Void> read(long offset, MemorySegment into) {
        return io.submit(List.of(IoOp.read(offset, into))).getFirst().whenComplete((v, e) -> {
            if (e != null) health.readFailed();
        });
    }

    /** A header longer than one block, read on its own; null if the read failed. */
    MemorySegment readHeader(SlotLayout.Place place, long bytes) {
        try (IoBuffer buf = device.buffers().allocate(SlotHeader.roundUp(bytes, block))) {
            if (!succeeded(SlotLayout.all(submitOrFail(place.read(0, buf.segment()))))) return null;
            return MemorySegment.ofArray(buf.segment().toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
