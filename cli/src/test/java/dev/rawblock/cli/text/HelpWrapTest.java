package dev.rawblock.cli.text;

import dev.rawblock.cli.Main;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's {@code --help}, wrapped at 80 columns, holds the same words as on one endless
 * line: wrapping breaks only at spaces, never inside a path, an address or a flag.
 */
class HelpWrapTest {
    @Test
    void helpIsWrappedAtSpacesOnly() {
        List<String> checked = new ArrayList<>();
        check(Main.commandLine(), checked);
        assertTrue(checked.contains("rawblock serve") && checked.contains("rawblock bench store"), checked.toString());
    }

    private static void check(CommandLine cl, List<String> checked) {
        String narrow = cl.getUsageMessage();
        int width = cl.getUsageHelpWidth();
        String wide;
        try {
            cl.setUsageHelpWidth(2000);
            wide = cl.getUsageMessage();
        } finally {
            cl.setUsageHelpWidth(width);
        }
        for (String line : narrow.lines().toList()) {
            assertTrue(line.length() <= 80 || !line.strip().contains(" "), "over 80 columns: '" + line + "'");
        }
        assertEquals(words(wide), words(narrow), cl.getCommandSpec().qualifiedName() + " --help:\n" + narrow);
        checked.add(cl.getCommandSpec().qualifiedName());
        for (CommandLine sub : cl.getSubcommands().values()) check(sub, checked);
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.strip().split("\\s+")).toList();
    }
}
