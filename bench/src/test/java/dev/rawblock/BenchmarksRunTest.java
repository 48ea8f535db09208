package dev.rawblock;

import dev.rawblock.device.UringDeviceDepthBenchmark;
import dev.rawblock.device.UringDeviceReadBenchmark;
import dev.rawblock.store.Crc32cBenchmark;
import dev.rawblock.store.FingerprintBenchmark;
import dev.rawblock.store.KeyIndexBenchmark;
import dev.rawblock.store.SlotHeaderBenchmark;
import dev.rawblock.uring.IoUringNopBenchmark;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every benchmark once, briefly, inside this JVM: proves that each one's setup (which checks
 * that it measures what it claims: hits hit, slots verify, reads return the written bytes) and
 * body work, and that JMH's annotation processor listed every one. It measures nothing worth reading.
 */
class BenchmarksRunTest {
    private static final Set<Class<?>> BENCHMARKS = Set.of(KeyIndexBenchmark.class, SlotHeaderBenchmark.class,
            Crc32cBenchmark.class, FingerprintBenchmark.class, IoUringNopBenchmark.class, UringDeviceReadBenchmark.class,
            UringDeviceDepthBenchmark.class);

    @Test
    void everyBenchmarkRunsAndScores() throws RunnerException {
        // A real benchmark run on this machine holds JMH's lock; a test run must not fail because of it.
        System.setProperty("jmh.ignoreLock", "true");
        Options options = new OptionsBuilder()
                .include("^dev\\.rawblock\\.")
                .forks(0) // this JVM already has --enable-native-access (surefire's argLine)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(50))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results = new Runner(options).run();

        Map<String, Integer> expected = new TreeMap<>();
        for (Class<?> c : BENCHMARKS) {
            for (Method m : c.getMethods()) {
                if (m.isAnnotationPresent(Benchmark.class)) expected.put(c.getName() + "." + m.getName(), paramSets(c));
            }
        }
        Map<String, Integer> ran = new TreeMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            double score = r.getPrimaryResult().getScore();
            assertTrue(score > 0 && Double.isFinite(score), name + " " + r.getParams() + " scored " + score);
            ran.merge(name, 1, Integer::sum);
        }
        assertEquals(expected, ran, "benchmark -> runs (one per combination of @Param values)");
    }

    private static int paramSets(Class<?> benchmark) {
        return Arrays.stream(benchmark.getDeclaredFields())
                .map(f -> f.getAnnotation(Param.class))
                .filter(Objects::nonNull)
                .mapToInt(p -> p.value().length)
                .reduce(1, Math::multiplyExact);
    }
}
