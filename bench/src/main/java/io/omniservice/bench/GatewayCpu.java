package io.omniservice.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The gateway's CPU time as Linux counts it ({@code /proc/PID/task/TID/stat}, user + system clock ticks), per
 * thread, so that a bench can tell how much of it the JIT compilers took: the same rule as {@code bench/run.sh}'s
 * {@code jit_share}, for the bench tools written in Java. A thread is a compiler when its name starts with
 * {@code C1 CompilerThre} or {@code C2 CompilerThre} (Linux cuts names at 15 characters).
 */
final class GatewayCpu {
    private final Path process;

    /** The process {@code pid} under {@code proc} ({@code /proc} but in tests). */
    GatewayCpu(Path proc, long pid) {
        this.process = proc.resolve(Long.toString(pid));
    }

    /** Ticks so far: the whole process's, and its compiler threads' (threads that ended are gone from both). */
    record Ticks(long process, long compilers) {
        /** The compilers' share of the CPU the process used since {@code before}, in percent (100 when it used none). */
        int jitPercentSince(Ticks before) {
            long all = process - before.process;
            return all > 0 ? (int) (100 * (compilers - before.compilers) / all) : 100;
        }
    }

    Ticks now() throws IOException {
        long compilers = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(process.resolve("task"))) {
            for (Path task : tasks) {
                String name;
                long ticks;
                try {
                    name = Files.readString(task.resolve("comm")).strip();
                    ticks = ticks(Files.readString(task.resolve("stat")));
                } catch (IOException ended) {
                    continue;
                }
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    compilers += ticks;
                }
            }
        }
        return new Ticks(ticks(Files.readString(process.resolve("stat"))), compilers);
    }

    /** utime + stime of a stat line: fields 14 and 15, counted after the parenthesised name (which may hold spaces). */
    static long ticks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        // fields[0] is field 3 (state)
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
