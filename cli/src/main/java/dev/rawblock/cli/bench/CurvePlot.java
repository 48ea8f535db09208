package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;
import dev.rawblock.cli.text.SizeParser;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * {@code bench device --sweep --plot}: the curve in one PNG. One column per pattern; the top row
 * is throughput (GB/s), the bottom row p99 latency (ms), both on log scales since 4 KiB at QD1
 * and 4 MiB at QD64 differ by orders of magnitude. Each point shows rawblock (blue) beside fio
 * (orange): a dot at the median and a bar from the slowest to the fastest run; above the
 * throughput panel, the ratio, green above fio, red below, grey "at fio". Plain Java2D: the bars
 * are min-max ranges, which a chart library's symmetric error bars cannot draw.
 */
final class CurvePlot {
    private static final int PANEL_W = 900;
    private static final int PANEL_H = 380;
    private static final int LEFT = 70;
    private static final int TOP = 70;
    private static final int GAP = 60;
    private static final Color OURS = new Color(0x1f77b4);
    private static final Color FIO = new Color(0xff7f0e);
    private static final Color GRID = new Color(0xdddddd);

    private CurvePlot() {}

    /** Draws the sweep into a PNG at {@code file}. Works without a display. */
    static void write(SweepReport report, LocalDate date, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true"); // before AWT loads: servers have no display
        BufferedImage image = draw(report, date);
        try {
            if (!ImageIO.write(image, "png", file.toFile())) throw new IOException("no PNG writer in this JVM");
        } catch (IOException e) {
            throw new IOException("cannot write the plot " + file + ": " + Main.describe(e), e);
        }
    }

    static BufferedImage draw(SweepReport report, LocalDate date) {
        List<AccessPattern> patterns = new ArrayList<>();
        for (SweepPoint p : report.points()) {
            if (!patterns.contains(p.point().pattern())) patterns.add(p.point().pattern());
        }
        int width = LEFT + patterns.size() * (PANEL_W + GAP);
        int height = TOP + 2 * (PANEL_H + GAP + 40);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title(report, date), LEFT, 28);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            legend(g, LEFT, 50);
            for (int c = 0; c < patterns.size(); c++) {
                AccessPattern pattern = patterns.get(c);
                List<SweepPoint> points = report.points().stream().filter(p -> p.point().pattern() == pattern).toList();
                int x = LEFT + c * (PANEL_W + GAP);
                panel(g, x, TOP + 20, pattern.label() + ": throughput, GB/s", points, Figures::gbps, true);
                panel(g, x, TOP + 20 + PANEL_H + GAP + 40, pattern.label() + ": p99 latency, ms", points,
                        Figures::p99Ms, false);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    static String title(SweepReport report, LocalDate date) {
        return String.format(Locale.ROOT, "rawblock bench device --sweep: %s (%s), %s vs fio, %d runs per side "
                        + "of %s s, ABBA, %d spans of %s, %s", report.path(), report.kind(), report.engine().label(),
                report.runs(), SweepReport.seconds(report.runNanos()), report.spans(), SizeParser.format(report.span()), date);
    }

    private static void legend(Graphics2D g, int x, int y) {
        mark(g, OURS, x + 6, y - 5, y - 11, y + 1);
        g.setColor(Color.BLACK);
        g.drawString("rawblock", x + 16, y);
        mark(g, FIO, x + 96, y - 5, y - 11, y + 1);
        g.setColor(Color.BLACK);
        g.drawString("fio   (dot: median, bar: slowest to fastest run; ratio above each point: rawblock / fio)",
                x + 106, y);
    }

    /** One panel: points grouped by block, one tick per queue depth. */
    private static void panel(Graphics2D g, int x0, int y0, String name, List<SweepPoint> points,
                              ToDoubleFunction<Figures> field, boolean ratios) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (SweepPoint p : points) {
            for (Figures f : p.ours()) lo = positiveMin(lo, field.applyAsDouble(f));
            for (Figures f : p.fio()) lo = positiveMin(lo, field.applyAsDouble(f));
            for (Figures f : p.ours()) hi = Math.max(hi, field.applyAsDouble(f));
            for (Figures f : p.fio()) hi = Math.max(hi, field.applyAsDouble(f));
        }
        if (!(lo < hi)) {
            lo = lo == Double.POSITIVE_INFINITY ? 0.1 : lo / 2;
            hi = Math.max(hi, lo) * 2;
        }
        double logLo = Math.floor(Math.log10(lo));
        double logHi = Math.ceil(Math.log10(hi));
        LogAxis axis = new LogAxis(logLo, logHi, y0 + PANEL_H, y0);

        g.setColor(Color.BLACK);
        g.drawString(name, x0, y0 - 22);
        grid(g, axis, x0);
        g.setColor(Color.BLACK);
        g.drawRect(x0, y0, PANEL_W, PANEL_H);

        List<Long> blocks = points.stream().map(p -> p.point().block()).distinct().toList();
        List<Integer> qds = points.stream().map(p -> p.point().qd()).distinct().sorted().toList();
        int slots = blocks.size() * (qds.size() + 1);
        double step = PANEL_W / (double) slots;
        Font plain = g.getFont();
        Font small = plain.deriveFont(10f);
        for (SweepPoint p : points) {
            int b = blocks.indexOf(p.point().block());
            int q = qds.indexOf(p.point().qd());
            int cx = (int) (x0 + (b * (qds.size() + 1) + q + 1) * step);
            int d = (int) Math.max(3, step / 6);
            range(g, OURS, cx - d, axis, Spread.of(p.ours(), field));
            range(g, FIO, cx + d, axis, Spread.of(p.fio(), field));
            g.setColor(Color.DARK_GRAY);
            g.setFont(small);
            centered(g, "qd" + p.point().qd(), cx, y0 + PANEL_H + 14);
            if (ratios) {
                Verdict v = p.verdict();
                g.setColor(v == Verdict.ABOVE ? new Color(0x2ca02c) : v == Verdict.BELOW ? new Color(0xd62728) : Color.GRAY);
                centered(g, String.format(Locale.ROOT, "%.2f", p.ratio().median()), cx, y0 - 6);
            }
            g.setFont(plain);
        }
        g.setColor(Color.BLACK);
        for (int b = 0; b < blocks.size(); b++) {
            int cx = (int) (x0 + (b * (qds.size() + 1) + (qds.size() + 1) / 2.0) * step);
            centered(g, SizeParser.format(blocks.get(b)), cx, y0 + PANEL_H + 30);
            if (b > 0) {
                g.setColor(GRID);
                int sx = (int) (x0 + b * (qds.size() + 1) * step);
                g.drawLine(sx, y0, sx, y0 + PANEL_H);
                g.setColor(Color.BLACK);
            }
        }
    }

    private static double positiveMin(double current, double v) {
        return v > 0 && Double.isFinite(v) ? Math.min(current, v) : current;
    }

    /** Horizontal lines at 1, 2 and 5 of each decade, labelled on the left. */
    private static void grid(Graphics2D g, LogAxis axis, int x0) {
        for (double e = axis.logLo; e <= axis.logHi; e++) {
            for (int m : new int[] {1, 2, 5}) {
                double v = m * Math.pow(10, e);
                if (Math.log10(v) > axis.logHi + 1e-9) break;
                int y = axis.y(v);
                g.setColor(m == 1 ? Color.LIGHT_GRAY : GRID);
                g.drawLine(x0, y, x0 + PANEL_W, y);
                g.setColor(Color.DARK_GRAY);
                String label = v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s",
                        new java.math.BigDecimal(v).round(new java.math.MathContext(1)).toPlainString());
                g.drawString(label, x0 - 8 - g.getFontMetrics().stringWidth(label), y + 4);
            }
        }
    }

    private static void range(Graphics2D g, Color color, int x, LogAxis axis, Spread s) {
        if (!(s.median() > 0)) return; // nothing measured: nothing to draw on a log scale
        mark(g, color, x, axis.y(s.median()), axis.y(s.max()), axis.y(Math.max(s.min(), Math.pow(10, axis.logLo))));
    }

    /** A bar from {@code yTop} to {@code yBottom} with a dot at {@code y}. */
    private static void mark(Graphics2D g, Color color, int x, int y, int yTop, int yBottom) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        g.drawLine(x, yTop, x, yBottom);
        g.drawLine(x - 3, yTop, x + 3, yTop);
        g.drawLine(x - 3, yBottom, x + 3, yBottom);
        g.setStroke(new BasicStroke(1f));
        g.fillOval(x - 4, y - 4, 8, 8);
    }

    private static void centered(Graphics2D g, String text, int cx, int y) {
        g.drawString(text, cx - g.getFontMetrics().stringWidth(text) / 2, y);
    }

    /** Maps values to pixels on a log10 scale between two whole decades. */
    private record LogAxis(double logLo, double logHi, int yLo, int yHi) {
        int y(double v) {
            double t = (Math.log10(v) - logLo) / (logHi - logLo);
            return (int) Math.round(yLo + t * (yHi - yLo));
        }
    }
}
