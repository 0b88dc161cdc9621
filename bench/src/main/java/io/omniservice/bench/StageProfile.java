package io.omniservice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * CPU microseconds per message, by stage, for a measured phase of the inbound bench. Two sources, each used
 * for what it measures exactly:
 *
 * <ul>
 *   <li>the kernel's per-thread CPU time ({@code /proc/PID/task/TID/stat}) read before and after the phase:
 *       the gateway's total, and what its GC and JIT threads and threads outside the JVM's Java code used;
 *   <li>a JFR recording of that phase ({@code jdk.CPUTimeSample}, or {@code jdk.ExecutionSample} where the
 *       JDK has no CPU-time sampler): each Java sample is put in the first stage whose rule its stack
 *       matches, and the Java threads' CPU time is shared out in proportion.
 * </ul>
 *
 * Usage: {@code StageProfile --jfr FILE --before FILE --after FILE --messages N} where the before and after
 * files hold one {@code tid<TAB>name<TAB>cpu-ticks} line per thread and one {@code 0<TAB>process<TAB>ticks} for the
 * whole process (written by bench/run.sh).
 */
public final class StageProfile {
    private static final String USAGE =
            "StageProfile --jfr FILE --before THREADS --after THREADS --messages N [--ticks-per-second 100]";

    /** A stage and the rule that puts a sampled stack in it (the first matching rule wins). */
    private record Stage(String name, Predicate<Sample> rule) {}

    /** One sampled stack: its thread's name and its frames as {@code class.method}, innermost first. */
    record Sample(String thread, List<String> frames) {
        boolean has(String fragment) {
            for (String frame : frames) {
                if (frame.contains(fragment)) {
                    return true;
                }
            }
            return false;
        }

        boolean onThread(String prefix) {
            return thread.startsWith(prefix);
        }
    }

    private static final List<Stage> STAGES = List.of(
            new Stage("webhook: signature check", s -> s.has("Signature.verify") || s.has("Adapter.verify")),
            new Stage(
                    "webhook: payload parsed",
                    s -> s.has("io.omniservice.carriers.") && s.has(".parse") || s.has("core.carrier.JsonBody.parse")),
            new Stage("webhook: normalized, handed to the writer", s -> s.has("core.inbound.WebhookIngress")),
            new Stage("http: access log and request metrics", s -> s.has("GatewayHttpServer.logRequest")),
            new Stage("http: other routes (/metrics during the drain)", s -> s.has("io.omniservice.server.http.")),
            new Stage(
                    "store writer: messages",
                    s -> s.has("GroupTransaction.insertMessages")
                            || s.has("GroupTransaction.attachEarlierStatuses")
                            || s.has("GroupTransaction.recordLinks")),
            new Stage("store writer: conversations", s -> s.has("ConversationWrites")),
            new Stage(
                    "store writer: change events and their progress",
                    s -> s.has("GroupTransaction.insertEvents")
                            || s.has("FeedWrites")
                            || s.has("GroupTransaction.enqueueCallbacks")),
            new Stage(
                    "store writer: commit (database pages written)",
                    s -> s.onThread("omniservice-store-writer")
                            && (s.has("SessionLocal.commit") || s.has("Connection.commit") || s.has("CHECKPOINT"))),
            new Stage("store writer: other", s -> s.onThread("omniservice-store-writer")),
            new Stage("workflow: message read back", s -> s.has("workflow.StepInput.message")),
            new Stage("workflow: steps", s -> s.has("io.omniservice.core.workflow.") || s.has("core.feed.FeedWorker")),
            new Stage("event delivery", s -> s.has("io.omniservice.core.notify.") || s.has("Subscription")),
            new Stage("http: server (Jetty, Javalin)", s -> s.has("org.eclipse.jetty") || s.has("io.javalin")),
            new Stage("other Java", s -> true));

    /** The line of a threads file that holds the whole process's time. */
    private static final String PROCESS = "0 process";

    private StageProfile() {}

    public static void main(String[] args) throws IOException {
        Flags flags = new Flags(args, USAGE, "jfr", "before", "after", "messages", "ticks-per-second");
        Path jfr = Path.of(flags.text("jfr", null));
        long messages = flags.number("messages", 0, 1);
        double microsPerTick = 1e6 / flags.number("ticks-per-second", 100, 1);
        Map<String, Long> threadTicks = delta(
                readThreads(Path.of(flags.text("before", null))), readThreads(Path.of(flags.text("after", null))));
        long gc = 0;
        long jit = 0;
        long vm = 0;
        long java = 0;
        long process = threadTicks.getOrDefault(PROCESS, 0L);
        for (Map.Entry<String, Long> thread : threadTicks.entrySet()) {
            String name = thread.getKey().substring(thread.getKey().indexOf(' ') + 1);
            if (thread.getKey().equals(PROCESS)) {
                continue;
            } else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
                gc += thread.getValue();
            } else if (GatewayCpu.isCompiler(name)) {
                jit += thread.getValue();
            } else if (name.equals("VM Thread") || name.startsWith("VM Periodic") || name.startsWith("JFR ")) {
                vm += thread.getValue();
            } else {
                java += thread.getValue();
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        STAGES.forEach(stage -> counts.put(stage.name(), 0L));
        long samples = 0;
        String kind = null;
        try (RecordingFile recording = new RecordingFile(jfr)) {
            List<RecordedEvent> cpu = new ArrayList<>();
            List<RecordedEvent> execution = new ArrayList<>();
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                String type = event.getEventType().getName();
                if (type.equals("jdk.CPUTimeSample")) {
                    cpu.add(event);
                } else if (type.equals("jdk.ExecutionSample")) {
                    execution.add(event);
                }
            }
            List<RecordedEvent> chosen = cpu.size() >= execution.size() ? cpu : execution;
            kind = cpu.size() >= execution.size() ? "jdk.CPUTimeSample" : "jdk.ExecutionSample";
            for (RecordedEvent event : chosen) {
                Sample sample = sample(event);
                if (sample == null) {
                    continue;
                }
                samples++;
                for (Stage stage : STAGES) {
                    if (stage.rule().test(sample)) {
                        counts.merge(stage.name(), 1L, Long::sum);
                        break;
                    }
                }
            }
        }
        if (samples == 0) {
            throw new IllegalStateException("no Java samples in " + jfr);
        }
        // threads that ended during the phase count in the process's time only
        long ended = Math.max(0, process - (gc + jit + vm + java));
        double total = Math.max(process, gc + jit + vm + java) * microsPerTick / messages;
        System.out.printf(
                "%nCPU per message by stage: %d messages, %d Java samples (%s), gateway CPU %.0f µs per message%n",
                messages, samples, kind, total);
        System.out.println("| stage | µs per message | share |");
        System.out.println("|---|---|---|");
        double javaMicros = java * microsPerTick / messages;
        for (Map.Entry<String, Long> stage : counts.entrySet()) {
            if (stage.getValue() > 0) {
                row(stage.getKey(), javaMicros * stage.getValue() / samples, total);
            }
        }
        row("garbage collection", gc * microsPerTick / messages, total);
        row("JIT compilers", jit * microsPerTick / messages, total);
        row("JVM (VM thread, JFR itself)", vm * microsPerTick / messages, total);
        if (ended > 0) {
            row("threads that ended during the phase", ended * microsPerTick / messages, total);
        }
    }

    private static void row(String name, double micros, double total) {
        System.out.printf("| %s | %.0f | %.1f %% |%n", name, micros, 100 * micros / total);
    }

    private static Sample sample(RecordedEvent event) {
        var thread = event.hasField("sampledThread") ? event.getThread("sampledThread") : event.getThread();
        var stack = event.getStackTrace();
        if (stack == null) {
            return null;
        }
        List<String> frames = new ArrayList<>(stack.getFrames().size());
        for (RecordedFrame frame : stack.getFrames()) {
            if (frame.isJavaFrame()) {
                frames.add(frame.getMethod().getType().getName() + "."
                        + frame.getMethod().getName());
            }
        }
        String name = thread == null ? "" : thread.getJavaName() != null ? thread.getJavaName() : "";
        return new Sample(name, frames);
    }

    /** {@code tid name} to CPU ticks, from lines {@code tid<TAB>name<TAB>ticks}. */
    private static Map<String, Long> readThreads(Path file) throws IOException {
        Map<String, Long> threads = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.split("\t");
            if (parts.length == 3) {
                threads.put(parts[0] + " " + parts[1], Long.parseLong(parts[2].trim()));
            }
        }
        return threads;
    }

    /** What each thread used between the two readings (a thread started in between used all it shows). */
    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> used = new HashMap<>();
        after.forEach((thread, ticks) -> used.put(thread, ticks - before.getOrDefault(thread, 0L)));
        return used;
    }
}
