package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;
import dev.rawblock.cli.InProcess.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.rawblock.cli.InProcess.rawblock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench store --against}: the list of peers as picocli parses it, and its usage errors. */
class PeerTest {
    @TempDir
    Path dir;

    private static BenchStoreCommand parsed(String... args) {
        CommandLine cl = Main.commandLine();
        cl.parseArgs(args);
        return cl.getSubcommands().get("bench").getSubcommands().get("store").getCommand();
    }

    @Test
    void takesOneOrBothPeersInAnyCase() {
        assertEquals(List.of(Peer.FIO), parsed("bench", "store", "--against", "fio").againstList);
        assertEquals(List.of(Peer.ROCKSDB), parsed("bench", "store", "--against", "RocksDB").againstList);
        assertEquals(List.of(Peer.FIO, Peer.ROCKSDB), parsed("bench", "store", "--against", "fio,rocksdb").againstList);
        assertEquals(List.of(Peer.ROCKSDB, Peer.FIO), parsed("bench", "store", "--against", "rocksdb, fio").againstList);
        assertEquals(null, parsed("bench", "store").againstList, "no peers by default");
    }

    @Test
    void unknownPeerNamesTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Peer.parse("leveldb"));
        assertTrue(e.getMessage().contains("'leveldb'") && e.getMessage().contains("fio, rocksdb"), e.getMessage());
    }

    @Test
    void badPeerIsAUsageErrorBeforeAnyIo() {
        Path img = dir.resolve("s.img");
        for (String against : new String[] {"fio,leveldb", "", "fio;rocksdb"}) {
            Run run = rawblock("bench", "store", "--path", img.toString(), "--total", "64m", "--value-size", "1m",
                    "--against", against);
            assertEquals(2, run.exitCode(), "--against '" + against + "': " + run.err());
            String err = run.err().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("rawblock: ") && err.contains("expected fio, rocksdb"), err);
        }
        Run orphan = rawblock("bench", "store", "--path", img.toString(), "--keep");
        assertEquals(2, orphan.exitCode(), orphan.err());
        assertTrue(orphan.err().contains("--keep needs --against rocksdb"), orphan.err());
        Run plotDir = rawblock("bench", "store", "--path", img.toString(), "--plot", dir.resolve("no/such/p.png").toString());
        assertEquals(2, plotDir.exitCode(), plotDir.err());
        assertTrue(plotDir.err().contains("does not exist"), plotDir.err());
        assertFalse(Files.exists(img), "usage errors touch nothing");
    }
}
