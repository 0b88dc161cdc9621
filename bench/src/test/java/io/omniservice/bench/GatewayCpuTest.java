package io.omniservice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayCpuTest {
    @TempDir
    Path proc;

    /** A stat line as Linux writes it: utime and stime are fields 14 and 15. */
    private static String stat(String name, long utime, long stime) {
        return "4242 (" + name + ") S 1 4242 4242 0 -1 4194560 100 0 0 0 " + utime + " " + stime
                + " 0 0 20 0 30 0 12345 0 0\n";
    }

    private void thread(int tid, String name, long utime, long stime) throws IOException {
        Path task = Files.createDirectories(proc.resolve("4242/task/" + tid));
        Files.writeString(task.resolve("comm"), name + "\n");
        Files.writeString(task.resolve("stat"), stat(name, utime, stime));
    }

    private void process(long utime, long stime) throws IOException {
        Files.writeString(proc.resolve("4242/stat"), stat("java", utime, stime));
    }

    @Test
    void theCompilersShareIsTheirTicksOverTheProcesssInTheWindow() throws IOException {
        thread(4243, "C2 CompilerThre", 300, 20);
        thread(4244, "C1 CompilerThre", 80, 0);
        // a name with spaces and a parenthesis, as a thread may carry
        thread(4245, "qtp) worker 1", 500, 100);
        process(1000, 200);
        GatewayCpu cpu = new GatewayCpu(proc, 4242);
        GatewayCpu.Ticks before = cpu.now();
        assertThat(before).isEqualTo(new GatewayCpu.Ticks(1200, Map.of("4243", 320L, "4244", 80L)));

        thread(4243, "C2 CompilerThre", 310, 20);
        thread(4245, "qtp) worker 1", 670, 120);
        process(1190, 210);
        assertThat(cpu.now().jitPercentSince(before)).isEqualTo(5);
    }

    /** HotSpot stops a compiler thread when its queue empties: what it had used before must not count against the rest. */
    @Test
    void aCompilerThreadThatEndedDoesNotTakeItsEarlierTicksFromTheShare() throws IOException {
        thread(4243, "C2 CompilerThre", 300, 20);
        thread(4244, "C2 CompilerThre", 500, 0);
        process(2000, 200);
        GatewayCpu cpu = new GatewayCpu(proc, 4242);
        GatewayCpu.Ticks before = cpu.now();

        Path ended = proc.resolve("4242/task/4244");
        Files.delete(ended.resolve("comm"));
        Files.delete(ended.resolve("stat"));
        Files.delete(ended);
        thread(4243, "C2 CompilerThre", 340, 20);
        process(2200, 200);
        // 40 of 200 ticks: 20 %, where a sum of the live threads would have said (340 - 820) / 200
        assertThat(cpu.now().jitPercentSince(before)).isEqualTo(20);
    }

    @Test
    void aWindowWithoutCpuCountsAsNotCompiled() throws IOException {
        thread(4243, "C2 CompilerThre", 300, 20);
        process(1000, 200);
        GatewayCpu cpu = new GatewayCpu(proc, 4242);
        GatewayCpu.Ticks before = cpu.now();
        assertThat(cpu.now().jitPercentSince(before)).isEqualTo(100);
    }

    @Test
    void readsThisJvmsOwnCompilerThreadsOnLinux() throws IOException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc here (not Linux)");
        GatewayCpu.Ticks ticks =
                new GatewayCpu(Path.of("/proc"), ProcessHandle.current().pid()).now();
        assertThat(ticks.process()).isPositive();
        assertThat(ticks.compilers().values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isBetween(0L, ticks.process());
    }

    @Test
    void childrenTicksAreCutimeAndCstimeFieldsSixteenAndSeventeen() {
        String stat = "4242 (java (bench)) S 1 4242 4242 0 -1 4194560 100 0 0 0 700 90 250 31 20 0 30 0 12345 0 0\n";
        assertThat(GatewayCpu.ticks(stat)).isEqualTo(790);
        assertThat(GatewayCpu.childrenTicks(stat)).isEqualTo(281);
    }

    /** PostgreSQL's processes are summed by name, whatever else runs, and the task folders are not processes. */
    @Test
    void processesNamedSumsTheTicksOfEveryProcessOfThatName() throws IOException {
        for (String[] p : new String[][] {
            {"101", "postgres", "40", "2"}, {"102", "postgres", "7", "1"}, {"103", "java", "900", "9"}
        }) {
            Path dir = Files.createDirectories(proc.resolve(p[0]));
            Files.writeString(dir.resolve("comm"), p[1] + "\n");
            Files.writeString(dir.resolve("stat"), stat(p[1], Long.parseLong(p[2]), Long.parseLong(p[3])));
        }
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("104")); // ended while listed: no comm to read
        assertThat(GatewayCpu.processesNamed(proc, "postgres")).isEqualTo(50);
    }
}
