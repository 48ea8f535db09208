package dev.rawblock;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.TestExecutionResult;

import java.io.PrintWriter;
import java.util.Arrays;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs the NVMe passthrough test classes in one JVM inside the nvme-vm guest, where Maven would
 * cost half a minute of TCG time: {@code .ci/run} compiles on the host and starts this with the
 * test classpath. Prints one line per test and a summary; exits 1 when anything failed, and also
 * when nothing ran or everything was skipped (the device was not there: that is a broken VM run,
 * not a pass).
 */
public final class NvmeVmTests {
    /** The classes that need the emulated drive; each skips with its reason on a machine without one. */
    static final String[] CLASSES = {
            "dev.rawblock.device.UringCmdNamespaceTest",
            "dev.rawblock.device.UringCmdContractTest",
            "dev.rawblock.store.NvmeStoreTest",
            "dev.rawblock.store.NvmeFdpPlacementTest",
            "dev.rawblock.cli.NvmeCliTest",
            "dev.rawblock.cli.NvmeServeTest",
            "dev.rawblock.cli.NvmeBenchAgainstTest",
            "dev.rawblock.cli.NvmePermissionTest",
    };

    public static void main(String[] args) throws ClassNotFoundException {
        String[] names = args.length > 0 ? args : CLASSES;
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String name : names) request.selectors(selectClass(Class.forName(name)));
        LauncherDiscoveryRequest discovery = request.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                System.out.println("SKIPPED " + test.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (!test.isTest()) return;
                System.out.println(result.getStatus() + " " + test.getLegacyReportingName() + " "
                        + test.getUniqueIdObject().getSegments().get(1).getValue()
                        + result.getThrowable().map(t -> ": " + t).orElse(""));
            }
        };
        launcher.execute(discovery, summary, lines);
        TestExecutionSummary s = summary.getSummary();
        s.printTo(new PrintWriter(System.out));
        s.printFailuresTo(new PrintWriter(System.out), 40);
        System.out.flush();
        boolean ok = s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0;
        System.out.println("nvme-vm tests " + Arrays.toString(names) + ": " + (ok ? "PASSED" : "FAILED") + " ("
                + s.getTestsSucceededCount() + " passed, " + s.getTestsFailedCount() + " failed, "
                + (s.getTestsSkippedCount() + s.getTestsAbortedCount()) + " skipped)");
        System.exit(ok ? 0 : 1);
    }
}
