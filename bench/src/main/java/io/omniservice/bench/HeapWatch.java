package io.omniservice.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;

/**
 * The heap a stretch of work needed: used heap sampled every millisecond (what was live at once, give or take
 * garbage not yet collected), and the sum of the heap pools' peaks since the start (an upper bound, as the pools
 * peak at different moments). Starts after a full GC so the baseline is the live set.
 */
final class HeapWatch {
    private final List<MemoryPoolMXBean> pools;
    private final long baseline;
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile long sampledPeak;

    private HeapWatch() {
        System.gc();
        pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
        pools.forEach(MemoryPoolMXBean::resetPeakUsage);
        baseline = used();
        sampledPeak = baseline;
        sampler = Thread.ofPlatform().daemon().start(() -> {
            while (running) {
                sampledPeak = Math.max(sampledPeak, used());
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static HeapWatch start() {
        return new HeapWatch();
    }

    Peak stop() throws InterruptedException {
        running = false;
        sampler.join();
        long poolPeaks =
                pools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        return new Peak(baseline, sampledPeak, poolPeaks, Runtime.getRuntime().maxMemory());
    }

    private static long used() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    record Peak(long baseline, long sampled, long poolPeaks, long max) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "live before %d MB, sampled peak used %d MB, sum of pool peaks %d MB, of a %d MB max heap",
                    baseline >> 20,
                    sampled >> 20,
                    poolPeaks >> 20,
                    max >> 20);
        }
    }
}
