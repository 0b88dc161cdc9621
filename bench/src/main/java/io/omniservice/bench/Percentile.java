package io.omniservice.bench;

/** Nearest-rank percentiles of latencies in nanoseconds, reported in milliseconds. */
final class Percentile {
    private Percentile() {}

    /** The {@code p} (0..1) percentile of {@code sorted}, or NaN when there is none. */
    static double millis(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
