package dev.rawblock.device;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * An accepted operation on its way through an engine: the memory the kernel sees (the caller's,
 * or an aligned staging copy), how far the transfer got; and the future the caller holds, which
 * is this object itself, so that an operation costs one allocation less.
 */
final class IoRequest extends CompletableFuture<Void> {
    final IoOp op;            // null for a flush
    final MemorySegment memory; // what the kernel reads or writes
    final IoBuffer staging;   // non-null when memory is a staging copy of op.buffer()
    final int fixedIndex;     // registered buffer holding memory, or -1
    long done;                // bytes transferred so far

    IoRequest(IoOp op, MemorySegment memory, IoBuffer staging, int fixedIndex) {
        this.op = op;
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

    /** The operation, for messages; the engines' errors name requests this way. */
    String describe() {
        return op == null ? "flush" : op.toString();
    }
}
