package dev.rawblock.cli.bench;

import dev.rawblock.cli.Main;
import dev.rawblock.cli.text.SizeParser;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench store --plot}: a grouped bar chart of median GB/s, one group per operation (put,
 * get) and one bar per system (rawblock, then each peer; fio's write and read stand in its put and
 * get groups), titled with the workload, so a PNG tells what was measured without the terminal.
 */
final class ComparisonPlot {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;

    private ComparisonPlot() {}

    /** Draws the report's medians into a PNG at {@code file}. Works without a display. */
    static void write(StoreReport report, LocalDate date, Path file) throws IOException {
        // Before any AWT class loads: a server or CI machine has no display, and XChart only draws
        // into an image here.
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = chart(report, date);
        BufferedImage image = BitmapEncoder.getBufferedImage(chart);
        try (OutputStream out = Files.newOutputStream(file)) {
            if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer in this JVM");
        } catch (IOException e) {
            throw new IOException("cannot write the plot " + file + ": " + Main.describe(e), e);
        }
    }

    static CategoryChart chart(StoreReport report, LocalDate date) {
        int runs = Math.max(report.puts().size(), Math.max(report.gets().size(), 1));
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title(report, date))
                .xAxisTitle("operation (fio: write for put, read for get)")
                .yAxisTitle("GB/s" + (runs > 1 ? ", median of " + runs + " runs" : "")).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE).setDecimalPattern("0.00");
        chart.getStyler().setLabelsVisible(true).setYAxisMin(0.0);
        List<String> ops = new ArrayList<>();
        if (report.put() != null) ops.add("put");
        if (report.get() != null) ops.add("get");
        // Against the io_uring engine both series are rawblock: each is named by its engine.
        boolean engines = report.peers().containsKey(Peer.IO_URING);
        chart.addSeries(engines ? "rawblock " + report.engine().label() : "rawblock", ops,
                gbps(ops, report.put(), report.get()));
        for (Map.Entry<Peer, StoreReport.PeerRuns> e : report.peers().entrySet()) {
            String name = e.getKey() == Peer.IO_URING ? "rawblock io_uring" : e.getKey().label();
            chart.addSeries(name, ops, gbps(ops, e.getValue().put(), e.getValue().get()));
        }
        return chart;
    }

    /** The bars of one system; an operation it did not run draws as zero. */
    private static List<Double> gbps(List<String> ops, Figures put, Figures get) {
        List<Double> bars = new ArrayList<>(ops.size());
        for (String op : ops) {
            Figures f = op.equals("put") ? put : get;
            bars.add(f == null || !Double.isFinite(f.gbps()) ? 0.0 : f.gbps());
        }
        return bars;
    }

    static String title(StoreReport report, LocalDate date) {
        return String.format(Locale.ROOT, "rawblock bench store: %s, value %s, qd %d, total %s, flush %s, %s",
                report.shape().label(), SizeParser.format(report.valueSize()), report.qd(),
                SizeParser.format(report.total()), report.flush() ? "on" : "off", date);
    }
}
