package dev.rawblock.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The documents stand alone: every relative link in README.md and docs/ names a file inside the
 * repository that exists (a clone has nothing beside it), and a link to a heading names one that
 * the file has.
 */
class DocLinksTest {
    /** Markdown links, [text](target); images too. */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @Test
    void everyRelativeLinkResolvesInsideTheRepository() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(REPO.resolve("README.md")));
        try (Stream<Path> docs = Files.walk(REPO.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(documents::add);
        }
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path doc : documents) {
            String text = Files.readString(doc);
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("[a-z]+:.*")) continue; // http:, https:, mailto:
                links++;
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                String where = REPO.relativize(doc) + ": " + target;
                if (!resolved.startsWith(REPO)) broken.add(where + " (outside the repository)");
                else if (!Files.exists(resolved)) broken.add(where + " (no such file)");
                else if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
                    broken.add(where + " (no such heading)");
                }
            }
        }
        assertTrue(links > 10, "the documents link to each other: " + links);
        assertTrue(broken.isEmpty(), String.join("\n", broken));
    }

    /** GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, spaces as dashes. */
    private static List<String> anchors(Path md) throws IOException {
        List<String> anchors = new ArrayList<>();
        for (String line : Files.readAllLines(md)) {
            if (!line.startsWith("#")) continue;
            String title = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(java.util.Locale.ROOT);
            anchors.add(title.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
        }
        return anchors;
    }
}
