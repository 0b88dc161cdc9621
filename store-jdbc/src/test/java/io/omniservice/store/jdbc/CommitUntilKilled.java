package io.omniservice.store.jdbc;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Sender;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Run in a child JVM by {@link EmbeddedStoreContract}: commits messages one
 * after another into the store at the given directory (H2, or SQLite when the second argument says
 * {@code sqlite}) and prints each acknowledged message id, until the parent kills it.
 */
final class CommitUntilKilled {
    private CommitUntilKilled() {}

    public static void main(String[] args) {
        Path directory = Path.of(args[0]);
        JdbcMessageStore store = args.length > 1 && args[1].equals("sqlite")
                ? JdbcMessageStore.sqlite(directory)
                : JdbcMessageStore.embedded(directory);
        for (int i = 0; ; i++) {
            var item = io.omniservice.store.contract.MessageStoreContract.inbound(
                    CarrierType.TWILIO,
                    "kill-" + i,
                    Sender.phone("+15550001" + (100 + i % 100), null),
                    Instant.now().truncatedTo(ChronoUnit.MICROS),
                    io.omniservice.store.contract.MessageStoreContract.text("m" + i));
            store.commit(io.omniservice.store.contract.MessageStoreContract.batch(item));
            System.out.println("acked " + item.message().messageId());
            System.out.flush();
        }
    }
}
