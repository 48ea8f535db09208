package dev.rawblock.server;

import dev.rawblock.device.BufferArena;
import dev.rawblock.server.MemoryBudget.BudgetExceededException;
import dev.rawblock.server.MemoryBudget.ValueBuffer;
import dev.rawblock.store.ValueMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server's memory budget: sizes as the arena rounds them, waiting for room in turn, and giving up cleanly. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemoryBudgetTest {
    private static final long KIB = 1024;
    private static final Duration LONG = Duration.ofSeconds(30);

    private final BufferArena arena = new BufferArena(1 << 20, 4096);

    @AfterEach
    void close() {
        arena.close();
    }

    /** Runs {@code allocate} on a thread of its own (the common pool has one thread here). */
    private static CompletableFuture<ValueBuffer> async(MemoryBudget budget, long bytes, Duration wait) {
        CompletableFuture<ValueBuffer> f = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                f.complete(budget.allocate(bytes, wait));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** Gives a request's thread time to reach its wait, and checks that it waits. */
    private static void awaitWaiting(CompletableFuture<?> f) throws InterruptedException {
        Thread.sleep(100); // long enough for the thread to reach the wait; the assertions do not depend on it
        assertFalse(f.isDone(), "still waiting");
    }

    @Test
    void buffersCostWhatTheArenaRoundsThemToAndComeBackOnce() throws Exception {
        MemoryBudget budget = new MemoryBudget(new ValueMemory(arena), 64 * KIB);
        ValueBuffer a = budget.allocate(5000, Duration.ZERO); // 8 KiB block
        assertEquals(5000, a.segment().byteSize());
        assertEquals(0, a.segment().address() % 4096, "aligned for the device");
        assertEquals(8 * KIB, budget.used());
        ValueBuffer b = budget.allocate(1, Duration.ZERO);
        assertEquals(12 * KIB, budget.used());
        a.close();
        a.close();
        assertEquals(4 * KIB, budget.used(), "a second close gives nothing back twice");
        b.close();
        assertEquals(0, budget.used());
    }

    @Test
    void aRequestLargerThanTheWholeBudgetFailsAtOnce() {
        MemoryBudget budget = new MemoryBudget(new ValueMemory(arena), 64 * KIB);
        long start = System.nanoTime();
        assertThrows(BudgetExceededException.class, () -> budget.allocate(65 * KIB, LONG));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "without waiting");
    }

    @Test
    void aRequestWaitsForRoomAndGetsItWhenABufferIsGivenBack() throws Exception {
        MemoryBudget budget = new MemoryBudget(new ValueMemory(arena), 64 * KIB);
        ValueBuffer big = budget.allocate(48 * KIB, Duration.ZERO);
        CompletableFuture<ValueBuffer> waiting = async(budget, 32 * KIB, LONG);
        awaitWaiting(waiting);
        big.close();
        ValueBuffer got = waiting.get(10, TimeUnit.SECONDS);
        assertEquals(32 * KIB, budget.used());
        got.close();
    }

    @Test
    void requestsAreServedInTurnSoALargeOneIsNotStarvedBySmallOnes() throws Exception {
        MemoryBudget budget = new MemoryBudget(new ValueMemory(arena), 64 * KIB);
        ValueBuffer held = budget.allocate(32 * KIB, Duration.ZERO);
        CompletableFuture<ValueBuffer> large = async(budget, 64 * KIB, LONG);
        awaitWaiting(large);
        CompletableFuture<ValueBuffer> small = async(budget, 4 * KIB, LONG);
        awaitWaiting(small); // it would fit, but the large one is first in line
        held.close();
        ValueBuffer l = large.get(10, TimeUnit.SECONDS);
        assertFalse(small.isDone(), "the small one waits behind the large one");
        l.close();
        small.get(10, TimeUnit.SECONDS).close();
        assertEquals(0, budget.used());
    }

    @Test
    void aRequestThatGivesUpDoesNotHoldUpThoseBehindIt() throws Exception {
        MemoryBudget budget = new MemoryBudget(new ValueMemory(arena), 64 * KIB);
        ValueBuffer held = budget.allocate(64 * KIB, Duration.ZERO);
        CompletableFuture<ValueBuffer> impatient = async(budget, 32 * KIB, Duration.ofMillis(300));
        awaitWaiting(impatient);
        CompletableFuture<ValueBuffer> patient = async(budget, 32 * KIB, LONG);
        awaitWaiting(patient);
        CompletableFuture<ValueBuffer> later = async(budget, 16 * KIB, Duration.ofMillis(300)); // gives up too, from behind
        Throwable e = assertThrows(Exception.class, () -> impatient.get(10, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(BudgetExceededException.class, e);
        assertInstanceOf(BudgetExceededException.class,
                assertThrows(Exception.class, () -> later.get(10, TimeUnit.SECONDS)).getCause());
        held.close();
        patient.get(10, TimeUnit.SECONDS).close();
        budget.allocate(64 * KIB, Duration.ofSeconds(5)).close(); // and the turns are not stuck on the two that gave up
    }

    @Test
    void anInterruptedWaitLeavesTheQueueWorking() throws Exception {
        MemoryBudget budget = new MemoryBudget(new ValueMemory(arena), 64 * KIB);
        ValueBuffer held = budget.allocate(64 * KIB, Duration.ZERO);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                budget.allocate(4 * KIB, LONG);
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        Thread.sleep(100);
        waiter.interrupt();
        waiter.join(10_000);
        assertEquals(1, failures.size());
        assertInstanceOf(InterruptedException.class, failures.getFirst());
        held.close();
        budget.allocate(64 * KIB, Duration.ofSeconds(5)).close();
        assertEquals(0, budget.used());
    }
}
