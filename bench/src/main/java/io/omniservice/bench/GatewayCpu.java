package io.omniservice.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The gateway's CPU time as Linux counts it ({@code /proc/PID/task/TID/stat}, user + system clock ticks), per
 * thread, so that a bench can tell how much of it the JIT compilers took: the same rule as {@code bench/run.sh}'s
 * {@code jit_share}, for the bench tools written in Java.
 */
final class GatewayCpu {
    /** A tick is 1/100 s: Linux's USER_HZ, which the kernel keeps at 100 on every architecture it exports. */
    static final double MICROS_PER_TICK = 10_000;

    private final Path process;

    /** The process {@code pid} under {@code proc} ({@code /proc} but in tests). */
    GatewayCpu(Path proc, long pid) {
        this.process = proc.resolve(Long.toString(pid));
    }

    /** Whether a thread of that name is one of HotSpot's JIT compilers (Linux cuts names at 15 characters). */
    static boolean isCompiler(String threadName) {
        return threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler");
    }

    /** Ticks so far: the whole process's (ended threads' included), and each live compiler thread's by its id. */
    record Ticks(long process, Map<String, Long> compilers) {
        /**
         * The compilers' share of the CPU the process used since {@code before}, in percent (100 when it used none).
         * Counted per thread, as run.sh does: HotSpot starts and stops compiler threads as the queue grows and
         * shrinks, and a sum would drop by what a thread that ended had used before the window. A thread that
         * ended in the window loses what it used in it.
         */
        int jitPercentSince(Ticks before) {
            long all = process - before.process;
            long jit = 0;
            for (Map.Entry<String, Long> thread : compilers.entrySet()) {
                jit += thread.getValue() - before.compilers.getOrDefault(thread.getKey(), 0L);
            }
            return all > 0 ? (int) (100 * jit / all) : 100;
        }
    }

    Ticks now() throws IOException {
        Map<String, Long> compilers = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(process.resolve("task"))) {
            for (Path task : tasks) {
                try {
                    if (isCompiler(Files.readString(task.resolve("comm")).strip())) {
                        compilers.put(task.getFileName().toString(), ticks(Files.readString(task.resolve("stat"))));
                    }
                } catch (IOException ended) {
                    // the thread ended between listing and reading
                }
            }
        }
        return new Ticks(ticks(Files.readString(process.resolve("stat"))), Map.copyOf(compilers));
    }

    /**
     * Ticks so far of every process under {@code proc} named {@code name} (its {@code comm}): PostgreSQL's
     * postmaster and backends, whose work for the gateway's statements is not the gateway's CPU. A process that
     * ended in between takes its ticks with it, so the pool's long-lived connections are what this counts well.
     */
    static long processesNamed(Path proc, String name) throws IOException {
        long ticks = 0;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(
                proc, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path process : processes) {
                try {
                    if (Files.readString(process.resolve("comm")).strip().equals(name)) {
                        ticks += ticks(Files.readString(process.resolve("stat")));
                    }
                } catch (IOException ended) {
                    // the process ended between listing and reading
                }
            }
        }
        return ticks;
    }

    /** cutime + cstime of a stat line: fields 16 and 17, the CPU of the process's children it waited for. */
    static long childrenTicks(String stat) {
        String[] fields = fieldsFromState(stat);
        return Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }

    /** utime + stime of a stat line: fields 14 and 15, counted after the parenthesised name (which may hold spaces). */
    static long ticks(String stat) {
        String[] fields = fieldsFromState(stat);
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** A stat line's fields from field 3 (state) on: after the parenthesised name, which may hold spaces. */
    private static String[] fieldsFromState(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
    }
}
