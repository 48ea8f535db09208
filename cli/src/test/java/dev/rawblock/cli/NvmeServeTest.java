package dev.rawblock.cli;

import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code serve --placement} on an FDP namespace (in nvme-vm): a store formatted and served with a
 * policy of its own, SET and GET over RESP, and the drive's reclaim unit handle status, read by
 * {@code stats --json} before and after, shows the writes on exactly the handles the policy names.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NvmeServeTest {
    /** Metadata on the last of the guest's 8 handles; values by slot size, one bound at 1 MiB. */
    private static final String POLICY = "metadata=7,bands=1m";

    /** Blocks still writable per placement id, from {@code stats --json}'s fdp.handles. */
    private static Map<Integer, Long> remaining(Map<?, ?> fdp) {
        Map<Integer, Long> r = new HashMap<>();
        for (Object o : assertInstanceOf(List.class, fdp.get("handles"))) {
            Map<?, ?> h = (Map<?, ?>) o;
            r.put(((Double) h.get("placement_id")).intValue(), ((Double) h.get("remaining_blocks")).longValue());
        }
        return r;
    }

    private static Map<?, ?> fdp(Path ng) {
        Run stats = rawblock("stats", "--path", ng.toString(), "--json");
        assertEquals(0, stats.exitCode(), stats.err());
        return assertInstanceOf(Map.class, stats.json().get("fdp"), stats.lastLine());
    }

    @Test
    void servesWithAPlacementAndStatsShowsTheHandlesItUsed() throws Exception {
        Path ng = NvmeCliTest.vm("NVME_VM_NG");
        Run format = rawblock("format", "--path", ng.toString(), "--capacity", "256m", "--region-size", "4m",
                "--placement", POLICY, "--force");
        assertEquals(0, format.exitCode(), format.err() + format.out());
        assertTrue(format.out().contains("metadata on placement id 7"), format.out());

        Map<?, ?> before = fdp(ng);
        long unitBlocks = ((Double) before.get("reclaim_unit_bytes")).longValue() / NvmeCliTest.lbaBytes();
        byte[] small = new byte[300 << 10], large = new byte[2 << 20];
        new Random(15).nextBytes(small);
        new Random(16).nextBytes(large);
        int port = ServeProcess.freePort();
        try (ServeProcess served = ServeProcess.serve(ng, port, "--placement", POLICY)) {
            // The handles of the two bands: the other seven ids in order, band b of 2 on index b * 7 / 2.
            String line = served.log.stream().filter(l -> l.contains("placement:")).findFirst()
                    .orElseThrow(() -> new AssertionError("no placement line: " + served.log));
            assertTrue(line.contains("metadata on placement id 7") && line.contains("<1M -> 0, >=1M -> 3"), line);
            try (Resp resp = new Resp(port)) {
                assertTrue(resp.set("small", small));
                assertTrue(resp.set("large", large));
                assertArrayEquals(small, resp.get("small"));
                assertArrayEquals(large, resp.get("large"));
            }
            assertEquals(0, served.stop(), String.join("\n", served.log));
        }

        Map<?, ?> after = fdp(ng);
        System.out.println("fdp after serve: " + after);
        Map<Integer, Long> start = remaining(before), end = remaining(after);
        Map<Integer, Long> taken = new HashMap<>();
        end.forEach((id, left) -> taken.put(id, Math.floorMod(start.get(id) - left, unitBlocks)));
        System.out.println("blocks taken per placement id while serving with " + POLICY + ": " + taken);
        assertTrue(taken.get(7) > 0, "journal and checkpoint on id 7: " + taken);
        assertTrue(taken.get(0) * NvmeCliTest.lbaBytes() >= small.length, "the 300 KiB value on id 0: " + taken);
        assertTrue(taken.get(3) * NvmeCliTest.lbaBytes() >= large.length, "the 2 MiB value on id 3: " + taken);
        for (int id : taken.keySet()) {
            if (id != 0 && id != 3 && id != 7) assertEquals(0, taken.get(id), "id " + id + " took nothing: " + taken);
        }
        List<?> used = assertInstanceOf(List.class, after.get("handles_used"));
        for (double id : new double[] {0, 3, 7}) assertTrue(used.contains(id), "handles_used has " + id + ": " + used);
    }

    @Test
    void aPlacementHandleTheDriveLacksIsAUsageError() {
        Path ng = NvmeCliTest.vm("NVME_VM_NG");
        Run run = rawblock("serve", "--path", ng.toString(), "--port", "0", "--lm-port", "-1", "--placement", "metadata=8");
        assertEquals(2, run.exitCode(), run.err());
        String err = run.err().strip();
        assertTrue(err.lines().anyMatch(l -> l.startsWith("rawblock: --placement metadata=8: " + ng + " has 8 placement"
                + " handles")), err);
    }
}
