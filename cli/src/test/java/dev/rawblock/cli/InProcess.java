package dev.rawblock.cli;

import dev.rawblock.cli.text.JsonReader;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Runs {@code rawblock} in-process, as a user would, for the tests of every command package. */
public final class InProcess {
    private InProcess() {}

    /** What one run returned and printed. */
    public record Run(int exitCode, String out, String err) {
        public String lastLine() {
            List<String> lines = out.strip().lines().toList();
            return lines.getLast();
        }

        /** The JSON object a {@code --json} run prints as its last line. */
        public Map<?, ?> json() {
            return assertInstanceOf(Map.class, JsonReader.parse(lastLine()), "last line is a JSON object: " + out);
        }
    }

    public static Run rawblock(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = Main.execute(cl, args);
        return new Run(code, out.toString(), err.toString());
    }
}
