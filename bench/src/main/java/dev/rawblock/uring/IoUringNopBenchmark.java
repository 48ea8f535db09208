package dev.rawblock.uring;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

import static dev.rawblock.uring.IoUringConstants.IORING_SETUP_DEFER_TASKRUN;
import static dev.rawblock.uring.IoUringConstants.IORING_SETUP_NO_SQARRAY;
import static dev.rawblock.uring.IoUringConstants.IORING_SETUP_SINGLE_ISSUER;

/**
 * The binding's own cost: NOPs through {@link IoUring} on the calling thread, on a ring set up
 * as the device engine sets up its own. Each invocation fills SQEs, makes one
 * {@code io_uring_enter} that submits them and waits for all completions, and reaps them; the
 * score is per NOP, so a batch of 32 shows how far one syscall is amortised.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class IoUringNopBenchmark {
    private static final int BATCH = 32;

    private IoUring ring;
    private int completed;
    private final IoUring.CompletionHandler countNop = (userData, res, flags) -> {
        if (res != 0) throw new IllegalStateException("NOP " + userData + " completed with " + res);
        completed++;
    };

    /** Runs on the benchmark's own thread, which SINGLE_ISSUER makes the only one allowed to enter. */
    @Setup
    public void createRing() {
        ring = IoUring.create(BATCH, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_NO_SQARRAY);
    }

    @Benchmark
    public int batchOf1() {
        return roundTrip(1);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batchOf32() {
        return roundTrip(BATCH);
    }

    private int roundTrip(int n) {
        for (int i = 0; i < n; i++) Sqe.nop(ring.nextSqe(), i);
        completed = 0;
        int submitted = ring.submit(n);
        if (submitted != n) throw new IllegalStateException("io_uring_enter submitted " + submitted + " of " + n);
        ring.reap(countNop);
        if (completed != n) throw new IllegalStateException("io_uring_enter returned with " + completed + " of " + n + " done");
        return completed;
    }

    @TearDown
    public void close() {
        ring.close();
    }
}
