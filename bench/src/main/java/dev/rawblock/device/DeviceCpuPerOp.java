package dev.rawblock.device;

import dev.rawblock.uring.LibC;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * CPU time per 4 KiB page-cache read through {@link BlockDevice}, at queue depth 32 (the closed
 * loop of {@link UringDeviceDepthBenchmark}) and one at a time ({@link UringDeviceReadBenchmark}),
 * for A/B comparisons of engine changes on a busy machine: JMH's wall-clock scores there include
 * the time our threads wait for a core, while CPU time counts only the work (every thread of the
 * process, so the JIT's too: hence the warm-up). Prints the median of each figure over the rounds.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.rawblock.device.DeviceCpuPerOp [rounds]</pre>
 */
public final class DeviceCpuPerOp {
    private DeviceCpuPerOp() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        UringDeviceDepthBenchmark depth = new UringDeviceDepthBenchmark();
        depth.qd = 32;
        depth.open();
        UringDeviceReadBenchmark lone = new UringDeviceReadBenchmark();
        lone.direct = false;
        lone.open();
        try {
            List<double[]> deep = new ArrayList<>();
            List<double[]> single = new ArrayList<>();
            for (int r = -3; r < rounds; r++) { // three rounds of warm-up
                double[] d = measure(() -> depth.closedLoop(), 20, UringDeviceDepthBenchmark.READS);
                double[] s = measure(() -> lone.throughDevice(), 20_000, 1);
                if (r >= 0) {
                    deep.add(d);
                    single.add(s);
                }
            }
            System.out.printf(Locale.ROOT, "qd32: cpu %.0f ns/op, wall %.0f ns/op; lone: cpu %.0f ns/op, wall %.0f ns/op%n",
                    median(deep, 0), median(deep, 1), median(single, 0), median(single, 1));
        } finally {
            depth.close();
            lone.close();
        }
    }

    /** CPU and wall nanoseconds per operation over {@code calls} calls of {@code opsPerCall} operations. */
    private static double[] measure(Runnable call, int calls, int opsPerCall) {
        long cpu0 = LibC.processCpuNanos();
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) call.run();
        double ops = (double) calls * opsPerCall;
        return new double[] {(LibC.processCpuNanos() - cpu0) / ops, (System.nanoTime() - t0) / ops};
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
