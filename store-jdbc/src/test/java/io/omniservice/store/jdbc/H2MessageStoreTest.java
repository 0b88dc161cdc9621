package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Sender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The store contract on the embedded H2 file database, plus what only a file database must show. */
class H2MessageStoreTest extends EmbeddedStoreContract {
    @Override
    protected JdbcMessageStore open(Path dataDirectory) {
        return JdbcMessageStore.embedded(dataDirectory);
    }

    @Override
    protected String engine() {
        return "h2";
    }

    @Test
    void everyCommitIsWrittenToTheFileBeforeItReturns() throws Exception {
        try (Connection connection = jdbc.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT setting_value FROM information_schema.settings WHERE setting_name = 'WRITE_DELAY'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("0");
        }
    }

    @Test
    void everyCommitIsForcedToTheDeviceBeforeItReturns() throws Exception {
        ForceCountingFileSystem.register();
        Path own = Files.createTempDirectory("omniservice-h2-force");
        try (JdbcMessageStore counted = JdbcMessageStore.embedded(own, ForceCountingFileSystem.SCHEME)) {
            for (int i = 0; i < 5; i++) {
                long before = ForceCountingFileSystem.FORCES.get();
                counted.commit(
                        batch(inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone(), null), now(), text("m"))));
                assertThat(ForceCountingFileSystem.FORCES.get())
                        .as("force() calls during commit %d", i)
                        .isGreaterThan(before);
            }
        } finally {
            deleteTree(own);
        }
    }
}
