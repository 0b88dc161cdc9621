package io.omniservice.store.jdbc;

import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Sender;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.workflow.StepRecord;
import io.omniservice.store.contract.MessageStoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Run by hand to see what a store's files do under sustained inbound traffic: {@code FileGrowth h2|sqlite
 * MESSAGES DIRECTORY} commits inbound messages in groups of 50 (5,000 senders, a ~1 KB body each), and after each
 * group finishes their change events as the processing stage would (claimed, then recorded done, which deletes
 * them). Prints the directory's files every 10,000 messages.
 */
final class FileGrowth {
    private FileGrowth() {}

    public static void main(String[] args) throws Exception {
        boolean sqlite = args[0].equals("sqlite");
        int messages = Integer.parseInt(args[1]);
        Path directory = Path.of(args[2]);
        String body = "x".repeat(1_000);
        long started = System.nanoTime();
        try (JdbcMessageStore store =
                sqlite ? JdbcMessageStore.sqlite(directory) : JdbcMessageStore.embedded(directory)) {
            for (int done = 0; done < messages; ) {
                List<InboundBatch> group = new ArrayList<>();
                for (int i = 0; i < 50; i++, done++) {
                    group.add(MessageStoreContract.batch(MessageStoreContract.inbound(
                            CarrierType.TWILIO,
                            "growth-" + done,
                            Sender.phone("+1555" + (1_000_000 + done % 5_000), null),
                            Instant.now().truncatedTo(ChronoUnit.MICROS),
                            MessageStoreContract.text(body + done))));
                }
                store.submitTogether(group).forEach(CompletableFuture::join);
                var events = store.feed().claim("growth", Instant.now(), Duration.ofMinutes(1), 500);
                List<CompletableFuture<Void>> recorded = new ArrayList<>();
                for (var event : events) {
                    recorded.add(store.feed()
                            .record(new StepRecord(event.seq(), 1, true, Json.MAPPER.createObjectNode(), List.of())));
                }
                recorded.forEach(CompletableFuture::join);
                if (done % 10_000 == 0) {
                    System.out.printf(
                            "%d messages, %.0f s: %s%n", done, (System.nanoTime() - started) / 1e9, files(directory));
                }
            }
        }
        System.out.println("closed: " + files(directory));
    }

    private static String files(Path directory) throws Exception {
        StringBuilder sizes = new StringBuilder();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                sizes.append(String.format("%s %.1f MB; ", file.getFileName(), Files.size(file) / 1e6));
            }
        }
        return sizes.toString();
    }
}
