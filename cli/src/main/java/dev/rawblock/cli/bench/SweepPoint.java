package dev.rawblock.cli.bench;

import dev.rawblock.cli.text.Json;

import java.util.List;

/**
 * One point of a sweep, measured: rawblock's runs and fio's, each list in the order they ran.
 * The verdict and the ratio are on throughput; latency is reported beside them.
 */
record SweepPoint(SweepGrid.Point point, List<Figures> ours, List<Figures> fio) {

    Spread oursGbps() {
        return Spread.of(ours, Figures::gbps);
    }

    Spread fioGbps() {
        return Spread.of(fio, Figures::gbps);
    }

    Spread ratio() {
        return Verdict.ratio(oursGbps(), fioGbps());
    }

    Verdict verdict() {
        return Verdict.of(oursGbps(), fioGbps());
    }

    /** One side of the point as JSON: medians and spreads of each figure, and the runs' throughput. */
    static Json side(List<Figures> runs) {
        Json j = new Json();
        spread(j, "gbps", Spread.of(runs, Figures::gbps));
        spread(j, "iops", Spread.of(runs, Figures::iops));
        spread(j, "p50_ms", Spread.of(runs, Figures::p50Ms));
        spread(j, "p99_ms", Spread.of(runs, Figures::p99Ms));
        j.put("cpu_s_per_gb", Spread.of(runs, Figures::cpuSPerGb).median());
        return j.put("runs_gbps", Figures.gbpsOf(runs));
    }

    private static void spread(Json j, String name, Spread s) {
        j.put(name, s.median()).put(name + "_min", s.min()).put(name + "_max", s.max());
    }

    Json json() {
        Spread r = ratio();
        return new Json().put("pattern", point.pattern().label()).put("block_bytes", point.block())
                .put("qd", point.qd()).putObject("rawblock", side(ours)).putObject("fio", side(fio))
                .put("ratio", r.median()).put("ratio_min", r.min()).put("ratio_max", r.max())
                .put("verdict", verdict().label());
    }
}
