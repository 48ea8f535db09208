package dev.rawblock.device;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * An accepted operation on its way through an engine: the memory the kernel sees (the caller's,
 * or an aligned staging copy), how far the transfer got, and the future to complete.
 */
final class IoRequest {
    final IoOp op;            // null for a flush
    final CompletableFuture<Void> future;
    final MemorySegment memory; // what the kernel reads or writes
    final IoBuffer staging;   // non-null when memory is a staging copy of op.buffer()
    final int fixedIndex;     // registered buffer holding memory, or -1
    long done;                // bytes transferred so far

    IoRequest(IoOp op, CompletableFuture<Void> future, MemorySegment memory, IoBuffer staging, int fixedIndex) {
        this.op = op;
        this.future = future;
        this.memory = memory;
        this.staging = staging;
        this.fixedIndex = fixedIndex;
    }

    boolean isFlush() {
        return op == null;
    }

    boolean isRead() {
        return op != null && op.kind() == IoOp.Kind.READ;
    }

    long remaining() {
        return memory.byteSize() - done;
    }

    @Override
    public String toString() {
        return op == null ? "flush" : op.toString();
    }
}
