package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bench device} and {@code bench store --against io_uring} on an NVMe generic device (in
 * nvme-vm): both engines ran, in turns, on the one namespace, and both are in the table and the
 * JSON line with their ratios. Functional only: the guest is emulated, its figures mean nothing.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NvmeBenchAgainstTest {
    private static double number(Map<?, ?> json, String key) {
        return assertInstanceOf(Double.class, json.get(key), key + " in " + json);
    }

    @Test
    void benchDeviceRunsBothEnginesInTurns() {
        Path ng = NvmeCliTest.vm("NVME_VM_NG");
        Path block = NvmeCliTest.vm("NVME_VM_NS");
        Run run = rawblock("bench", "device", "--path", ng.toString(), "--against", "io_uring", "--pattern", "write",
                "--size", "8m", "--block", "256k", "--qd", "4", "--runs", "2", "--json");
        assertEquals(0, run.exitCode(), run.err() + run.out());
        System.out.println(run.out());
        Map<?, ?> json = run.json();
        assertEquals("uring_cmd", json.get("engine"));
        assertEquals(List.of("io_uring"), json.get("peers"));
        assertEquals(block.toString(), json.get("io_uring_path"));
        assertEquals("io_uring", json.get("io_uring_engine"));
        assertEquals(2, assertInstanceOf(List.class, json.get("runs")).size());
        assertEquals(2, assertInstanceOf(List.class, json.get("io_uring_runs")).size());
        assertTrue(number(json, "gbps") > 0 && number(json, "io_uring_gbps") > 0, run.lastLine());
        double ratio = number(json, "gbps") / number(json, "io_uring_gbps"); // figures of six significant digits
        assertEquals(ratio, number(json, "io_uring_ratio"), ratio * 1e-4, run.lastLine());
        assertFalse(json.containsKey("ratio"), "no fio ratio without fio: " + run.lastLine());
        String out = run.out();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  uring_cmd ")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  io_uring ")), out);
        assertTrue(out.contains("(uring_cmd / io_uring, median GB/s)"), out);
        assertTrue(out.contains("io_uring: the io_uring engine on " + block), out);
    }

    @Test
    void benchStoreRunsTheSameStoreThroughBothEngines() {
        Path ng = NvmeCliTest.vm("NVME_VM_NG");
        Path block = NvmeCliTest.vm("NVME_VM_NS");
        Run run = rawblock("bench", "store", "--path", ng.toString(), "--against", "io_uring", "--total", "8m",
                "--value-size", "1m", "--qd", "2", "--runs", "2", "--force", "--json");
        assertEquals(0, run.exitCode(), run.err() + run.out());
        System.out.println(run.out());
        Map<?, ?> json = run.json();
        assertEquals("uring_cmd", json.get("engine"));
        assertEquals(List.of("io_uring"), json.get("peers"));
        assertEquals(block.toString(), json.get("io_uring_path"));
        for (String side : new String[] {"", "io_uring_"}) {
            for (String op : new String[] {"put", "get"}) {
                assertTrue(number(json, side + op + "_gbps") > 0, side + op + ": " + run.lastLine());
                assertEquals(2, assertInstanceOf(List.class, json.get(side + op + "_runs")).size(), side + op);
            }
        }
        assertTrue(number(json, "io_uring_put_ratio") > 0 && number(json, "io_uring_get_ratio") > 0, run.lastLine());
        assertEquals(0.0, number(json, "get_misses"));
        String out = run.out();
        assertTrue(out.contains("  io_uring put ") && out.contains("  io_uring get "), out);
        assertTrue(out.contains("(uring_cmd / io_uring, median GB/s)"), out);
    }

    @Test
    void theBlockDeviceItselfHasNoEngineToCompareWith() {
        Path block = NvmeCliTest.vm("NVME_VM_NS");
        Run run = rawblock("bench", "device", "--path", block.toString(), "--against", "io_uring", "--size", "4m");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--path " + block + " is not /dev/ngXnY"), run.err());
    }
}
