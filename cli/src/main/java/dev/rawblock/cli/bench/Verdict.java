package dev.rawblock.cli.bench;

/**
 * How rawblock's throughput at one point compares with fio's, judged by whole spreads rather than
 * by medians alone: only when every run of one side beats every run of the other is it a win or a
 * loss. Equivalently, the ratio's range (our worst over their best to our best over their worst)
 * lies entirely above or below 1.0; a range that contains 1.0 is "at fio", because runs of this
 * machine differ by more than the engines do.
 */
enum Verdict {
    BELOW("below fio"),
    AT("at fio"),
    ABOVE("above fio");

    private final String label;

    Verdict(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** The verdict for our runs' spread against theirs (higher is better: throughput). */
    static Verdict of(Spread ours, Spread theirs) {
        Spread ratio = ratio(ours, theirs);
        if (ratio.min() > 1.0) return ABOVE;
        if (ratio.max() < 1.0) return BELOW;
        return AT;
    }

    /**
     * Ours over theirs: the ratio of medians, and the range that the runs allow, from our slowest
     * over their fastest to our fastest over their slowest.
     */
    static Spread ratio(Spread ours, Spread theirs) {
        return new Spread(ours.median() / theirs.median(), ours.min() / theirs.max(), ours.max() / theirs.min());
    }
}
