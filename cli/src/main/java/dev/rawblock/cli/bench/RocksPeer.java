package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;
import dev.rawblock.cli.text.Json;
import dev.rawblock.cli.text.SizeParser;
import dev.rawblock.device.BlockDevice;
import dev.rawblock.device.DeviceOptions;
import dev.rawblock.device.Engine;
import dev.rawblock.device.IoOp;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * RocksDB as the embedded peer of {@code bench store}: the store a Java user would pick instead of
 * rawblock, in a directory of its own on the same file system, set up the way that user would set
 * it up for values of 1–80 MiB.
 *
 * <p><b>Settings, and why.</b> Values that large belong in BlobDB: with {@code enable_blob_files}
 * and a {@code min_blob_size} of 4 KiB, a flush writes each value once into a blob file and the LSM
 * tree holds only keys and blob references, so compaction never rewrites values. Blob files of
 * 256 MiB keep their number small. Nothing is compressed: KV-cache tensors do not compress, and
 * rawblock does not compress either. Memtables keep RocksDB's default of 64 MiB, two of them, but
 * hold at least four values (256 MiB for 64 MiB values, 320 MiB for 80 MiB ones), so a memtable is
 * never switched for every put; 256 MiB memtables for 4 MiB values were slower here (0.12–0.14
 * against 0.23–0.24 GB/s of synced puts at qd 8, two runs each). The WAL stays on; a write is synced when
 * rawblock's {@code --flush} is on (its put returns after an fdatasync) and not synced when it is
 * off (rawblock's put then survives a crash of the process only, as RocksDB's unsynced WAL write
 * does). Reads and flushes use direct I/O when the file system takes O_DIRECT, like rawblock and
 * fio, so no get is served from the page cache; there is no blob cache (RocksDB's default).
 *
 * <p>The library is the one a Java user gets from Maven Central. Its x86_64 build is portable and
 * holds no crc32 instructions, so RocksDB computes the CRC32C of every WAL record, blob record and
 * checked read in software: much of its CPU per GB here, and part of what this peer measures.
 *
 * <p>Each run starts from an empty database, as each of rawblock's runs starts from an empty
 * store; the directory is made ours by a marker file, so only a directory this class made (or an
 * empty one) is ever wiped.
 */
final class RocksPeer implements AutoCloseable {
    private static final long KIB = 1L << 10;
    private static final long MIB = 1L << 20;
    static final long MIN_BLOB_SIZE = 4 * KIB;
    static final long BLOB_FILE_SIZE = 256 * MIB;
    static final long DEFAULT_WRITE_BUFFER_SIZE = 64 * MIB;
    /** RocksDB's default: one memtable takes writes while the other flushes. */
    static final int MAX_WRITE_BUFFERS = 2;
    static final int VALUES_PER_MEMTABLE = 4;
    /** Marks a directory as made by this class: only such a directory (or an empty one) is wiped. */
    static final String MARKER = ".rawblock-bench-rocksdb";
    private static final long PROBE_BYTES = MIB;

    /** How the peer was set up, as the report tells it. */
    record Settings(Path dir, boolean sync, boolean directIo, String directIoNote, long writeBufferBytes,
                    String version) implements Peer.Setup {
        @Override
        public String describe() {
            return "RocksDB " + version + " in " + dir + ", BlobDB (min_blob_size " + SizeParser.format(MIN_BLOB_SIZE)
                    + ", blob_file_size " + SizeParser.format(BLOB_FILE_SIZE) + ", blob and SST compression none), "
                    + "write_buffer_size " + SizeParser.format(writeBufferBytes) + " x " + MAX_WRITE_BUFFERS
                    + ", WAL on, " + (sync ? "sync=true (rawblock --flush true)" : "sync=false (rawblock --flush false)")
                    + ", " + (directIo ? "direct I/O for reads and flushes" : "buffered I/O (" + directIoNote + ")")
                    + ", no blob cache; a put pass ends with a memtable flush, as rawblock's ends with a device flush";
        }

        @Override
        public void json(Json j, String prefix) {
            j.put(prefix + "version", version).put(prefix + "dir", dir.toString()).put(prefix + "sync", sync)
                    .put(prefix + "direct_io", directIo).put(prefix + "blob_files", true)
                    .put(prefix + "min_blob_bytes", MIN_BLOB_SIZE).put(prefix + "blob_file_bytes", BLOB_FILE_SIZE)
                    .put(prefix + "write_buffer_bytes", writeBufferBytes).put(prefix + "compression", "none");
        }
    }

    /** An open database and the options its calls use; closing it closes them all. */
    static final class Db implements AutoCloseable {
        final RocksDB db;
        final Path dir;
        final WriteOptions write;
        final ReadOptions read;
        private final Options options;
        private final FlushOptions flush;

        private Db(RocksDB db, Path dir, Options options, WriteOptions write, ReadOptions read, FlushOptions flush) {
            this.db = db;
            this.dir = dir;
            this.options = options;
            this.write = write;
            this.read = read;
            this.flush = flush;
        }

        /** Writes every memtable out to blob and SST files and waits: after it, every put is on disk. */
        void flush() throws IOException {
            try {
                db.flush(flush);
            } catch (RocksDBException e) {
                throw new IOException("RocksDB flush failed: " + message(e), e);
            }
        }

        @Override
        public void close() {
            db.close();
            flush.close();
            read.close();
            write.close();
            options.close();
        }
    }

    private final Settings settings;
    private final boolean keep;
    /** Bytes of the directory's files when {@link #close} removed it; -1 until then. */
    private long removedBytes = -1;

    private RocksPeer(Settings settings, boolean keep) {
        this.settings = settings;
        this.keep = keep;
    }

    /**
     * Loads RocksDB, claims {@code dir} (created, or wiped if it is empty or ours) and finds out
     * whether its file system takes direct I/O. Called before any timed work: problems surface
     * before minutes of benchmarking.
     *
     * @param sync  whether writes are synced (rawblock's --flush)
     * @param keep  whether {@link #close} leaves the directory for inspection
     * @param valueSize the bytes of a value
     * @param total the bytes of values one run puts
     */
    static RocksPeer create(Path dir, boolean sync, boolean keep, long valueSize, long total) throws IOException {
        try {
            RocksDB.loadLibrary();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new IOException("cannot load RocksDB's native library (it is unpacked into java.io.tmpdir): "
                    + Main.describe(e), e);
        }
        long writeBuffer = writeBufferBytes(valueSize);
        claim(dir);
        requireSpace(dir, total, writeBuffer);
        String why = directIoRefusal(dir);
        if (!keep) Interruption.register(dir); // removed even if the bench is stopped by a signal
        return new RocksPeer(new Settings(dir, sync, why == null, why, writeBuffer,
                RocksDB.rocksdbVersion().toString()), keep);
    }

    /** RocksDB's default memtable size, or room for {@value #VALUES_PER_MEMTABLE} values if that is more. */
    static long writeBufferBytes(long valueSize) {
        return Math.max(DEFAULT_WRITE_BUFFER_SIZE, VALUES_PER_MEMTABLE * valueSize);
    }

    Settings settings() {
        return settings;
    }

    /** Opens an empty database: whatever a previous run left in the directory is deleted first. */
    Db openEmpty() throws IOException {
        wipe(settings.dir);
        Options options = new Options().setCreateIfMissing(true).setErrorIfExists(true)
                .setEnableBlobFiles(true).setMinBlobSize(MIN_BLOB_SIZE).setBlobFileSize(BLOB_FILE_SIZE)
                .setBlobCompressionType(CompressionType.NO_COMPRESSION)
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setWriteBufferSize(settings.writeBufferBytes).setMaxWriteBufferNumber(MAX_WRITE_BUFFERS)
                .setUseDirectReads(settings.directIo).setUseDirectIoForFlushAndCompaction(settings.directIo);
        WriteOptions write = new WriteOptions().setSync(settings.sync).setDisableWAL(false);
        ReadOptions read = new ReadOptions();
        FlushOptions flush = new FlushOptions().setWaitForFlush(true);
        try {
            return new Db(RocksDB.open(options, settings.dir.toString()), settings.dir, options, write, read, flush);
        } catch (RocksDBException e) {
            flush.close();
            read.close();
            write.close();
            options.close();
            throw new IOException("cannot open RocksDB in " + settings.dir + ": " + message(e), e);
        }
    }

    /** Removes the directory, unless asked to keep it. */
    @Override
    public void close() throws IOException {
        if (keep) return;
        removedBytes = Interruption.removeTree(settings.dir);
        Interruption.unregister(settings.dir);
    }

    /** Bytes of files {@link #close} removed with the directory, or -1 if it has not (yet, or --keep). */
    long removedBytes() {
        return removedBytes;
    }

    /** Makes {@code dir} ours: created, or an empty directory, or one we made before. */
    private static void claim(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("--rocksdb-dir " + dir + " exists and is not a directory");
        }
        if (Files.isDirectory(dir) && !Files.exists(dir.resolve(MARKER))) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException("--rocksdb-dir " + dir + " is not empty and was not made by bench store "
                            + "(it has no " + MARKER + "); remove it or choose another directory");
                }
            }
        }
        try {
            Files.createDirectories(dir);
            if (!Files.exists(dir.resolve(MARKER))) Files.createFile(dir.resolve(MARKER));
        } catch (IOException e) {
            throw new IOException("cannot create the RocksDB directory " + dir + ": " + Main.describe(e), e);
        }
    }

    /**
     * One run needs its values in blob files, plus their WAL until the memtables holding them are
     * flushed (at most all memtables' worth); better a clear error now than ENOSPC mid-run.
     */
    private static void requireSpace(Path dir, long total, long writeBuffer) throws IOException {
        long needed = total + Math.min(total, MAX_WRITE_BUFFERS * writeBuffer) + 64 * MIB;
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (usable < needed) {
            throw new IOException("RocksDB needs about " + SizeParser.format(needed) + " free in " + dir + " for "
                    + "--total " + SizeParser.format(total) + " (values plus their WAL), but the file system has "
                    + SizeParser.format(usable) + "; use a smaller --total or another --rocksdb-dir");
        }
    }

    /** Deletes everything in the directory but the marker. */
    private static void wipe(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir) && !p.equals(dir.resolve(MARKER))) Files.delete(p);
            }
        }
    }

    /**
     * Writes one block with O_DIRECT into {@code dir}: null when that works, else why not (tmpfs,
     * for one, refuses O_DIRECT; RocksDB would then fail its first flush rather than its open).
     */
    static String directIoRefusal(Path dir) {
        Path probe = dir.resolve(".direct-io-probe");
        // rawblock's own device layer opens with O_DIRECT and says so when the file system refuses.
        DeviceOptions options = DeviceOptions.of(probe).withEngine(Engine.POSIX).withQueueDepth(1)
                .withCreateSize(PROBE_BYTES).withArenaBytes(PROBE_BYTES);
        try (BlockDevice device = BlockDevice.open(options)) {
            MemorySegment block = device.buffers().allocate(device.alignment()).segment();
            device.submit(List.of(IoOp.write(0, block))).getFirst().get();
            return null;
        } catch (IOException | ExecutionException e) {
            return "the file system refused O_DIRECT: " + Main.describe(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while probing O_DIRECT";
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // a probe file left behind is deleted with the directory
            }
        }
    }

    /** RocksDB's message, or its status code when it has none. */
    static String message(RocksDBException e) {
        String m = e.getMessage();
        if (m != null && !m.isBlank()) return m.strip();
        return e.getStatus() != null ? e.getStatus().getCodeString() : "RocksDBException";
    }
}
