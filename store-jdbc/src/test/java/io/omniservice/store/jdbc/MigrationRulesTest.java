package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.store.jdbc.MigrationRules.Migration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every shipped migration keeps the expand/contract rule ({@link MigrationRules}), and the check refuses each
 * contract operation in a new migration that does not declare itself a contract step.
 */
class MigrationRulesTest {
    private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");
    private static final Path SQLITE_MIGRATIONS = Path.of("src/main/resources/db/sqlite");

    @Test
    void shippedMigrationsOnlyExpand() {
        List<Migration> shipped = shippedMigrationFiles();
        assertThat(shipped).extracting(Migration::fileName).contains("V1__message_store.sql", "V7__rate_buckets.sql");
        assertThat(MigrationRules.violations(shipped)).isEmpty();
    }

    @Test
    void everyMigrationSinceTheSqliteBaselineIsInBothSets() {
        assertThat(sqliteMigrationFiles()).extracting(Migration::fileName).contains("V10__message_store.sql");
        assertThat(MigrationRules.unpaired(shippedMigrationFiles(), sqliteMigrationFiles()))
                .isEmpty();
    }

    @Test
    void aMigrationAddedToOneSetOnlyIsRefused() {
        int next = nextVersion();
        Migration tenants = new Migration("V" + next + "__tenants.sql", "CREATE TABLE tenants (id VARCHAR(64));");
        List<Migration> postgres = new ArrayList<>(shippedMigrationFiles());
        postgres.add(tenants);
        assertThat(MigrationRules.unpaired(postgres, sqliteMigrationFiles()))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("db/migration/" + tenants.fileName(), "no migration of the same version in db/sqlite");
        List<Migration> sqlite = new ArrayList<>(sqliteMigrationFiles());
        sqlite.add(tenants);
        assertThat(MigrationRules.unpaired(shippedMigrationFiles(), sqlite))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("db/sqlite/" + tenants.fileName(), "no migration of the same version in db/migration");
        assertThat(MigrationRules.unpaired(postgres, sqlite)).isEmpty();
    }

    @Test
    void aSqliteMigrationOlderThanItsBaselineIsRefused() {
        List<Migration> sqlite = new ArrayList<>(sqliteMigrationFiles());
        sqlite.add(new Migration("V3__processing.sql", "ALTER TABLE change_events ADD COLUMN step INTEGER;"));
        assertThat(MigrationRules.unpaired(shippedMigrationFiles(), sqlite))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("older than the baseline");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            DROP TABLE rate_buckets                                                     | drops a table
            drop table if exists replay_tokens cascade                                  | drops a table
            DROP VIEW message_totals                                                    | drops a view
            ALTER TABLE messages DROP COLUMN rules_fired                                | drops a column
            ALTER TABLE messages DROP rules_fired                                       | drops a column
            alter table if exists messages drop column if exists rules_fired            | drops a column
            ALTER TABLE messages RENAME COLUMN sender_name TO display_name              | renames
            ALTER TABLE rate_buckets RENAME TO api_rate_buckets                         | renames
            ALTER SEQUENCE some_seq RENAME TO other_seq                                 | renames
            ALTER TABLE messages ALTER COLUMN status TYPE VARCHAR(32)                   | changes a column's type
            ALTER TABLE messages ALTER status SET DATA TYPE VARCHAR(32)                 | changes a column's type
            ALTER TABLE messages ALTER COLUMN recipient SET NOT NULL                    | sets NOT NULL
            ALTER TABLE messages ADD COLUMN tenant VARCHAR(64) NOT NULL                 | adds a NOT NULL column without a default
            ALTER TABLE messages ADD tenant VARCHAR(64) NOT NULL                        | adds a NOT NULL column without a default
            ALTER TABLE messages ADD COLUMN a INT, ADD COLUMN b NUMERIC(4, 2) NOT NULL  | adds a NOT NULL column without a default
            ALTER TABLE messages DROP CONSTRAINT messages_carrier_message_key           | drops a constraint
            ALTER TABLE conversations ALTER COLUMN state DROP DEFAULT                   | drops a default
            ALTER TABLE messages ADD CONSTRAINT messages_status_set CHECK (status <> '') | adds a constraint
            ALTER TABLE opt_outs ADD UNIQUE (participant)                               | adds a constraint
            CREATE UNIQUE INDEX messages_client_key ON messages (client_id, message_id) | adds a unique index
            CREATE INDEX messages_client_idx ON messages (client_id)                    | builds an index on messages
            CREATE INDEX ON status_history (occurred_at)                                | builds an index on status_history
            CREATE INDEX CONCURRENTLY messages_client_idx ON messages (client_id)       | not CONCURRENTLY
            """)
    void refusesEachContractOperationInAnUndeclaredMigration(String statement, String reason) {
        assertThat(violationsOfNext(statement + ";"))
                .as("violations of: %s", statement)
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains(reason)
                .contains(nextFileName());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "CREATE TABLE tenants (id VARCHAR(64) NOT NULL PRIMARY KEY, name VARCHAR NOT NULL);",
                "ALTER TABLE messages ADD COLUMN tenant VARCHAR(64);",
                "ALTER TABLE messages ADD COLUMN tenant VARCHAR(64) NOT NULL DEFAULT 'none';",
                "ALTER TABLE messages ADD COLUMN n BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY;",
                "ALTER TABLE messages ALTER COLUMN recipient DROP NOT NULL;",
                "ALTER TABLE messages ALTER COLUMN status SET DEFAULT 'queued';",
                "CREATE INDEX ${concurrently} messages_client_idx ON messages (client_id);",
                "create index ${concurrently} if not exists messages_client_idx on messages (client_id, created_at);",
                "CREATE INDEX subscriptions_url_idx ON subscriptions (url);",
                "DROP INDEX messages_status_created_idx;",
                "UPDATE callback_deliveries SET order_key = message_id WHERE order_key IS NULL;",
                // a table made in the same file is known to no old node
                "CREATE TABLE drafts (id INT, note VARCHAR);\nALTER TABLE drafts DROP COLUMN note;\n"
                        + "CREATE UNIQUE INDEX drafts_key ON drafts (id);\nALTER TABLE drafts RENAME TO draft;",
                // words in comments and strings are not statements
                "-- DROP TABLE messages; ALTER TABLE messages DROP COLUMN status;\n"
                        + "/* ALTER TABLE messages RENAME TO m; */\n"
                        + "INSERT INTO store_settings (setting_name, setting_value) VALUES ('x', 'DROP TABLE it; ok');",
            })
    void acceptsWhatOnlyExpands(String sql) {
        assertThat(violationsOfNext(sql)).isEmpty();
    }

    @Test
    void aDeclaredContractStepMayContract() {
        String sql = """
                -- Removes the column V3 added.
                -- contract: completes V3, old code stopped using messages.rules_fired in release 0.9.0
                ALTER TABLE messages DROP COLUMN rules_fired;
                ALTER TABLE messages ALTER COLUMN client_id SET NOT NULL;
                """;
        assertThat(violationsOfNext(sql)).isEmpty();
    }

    @Test
    void aContractDeclarationMustHaveTheExactFormAndNameAnOlderMigration() {
        String drop = "ALTER TABLE messages DROP COLUMN rules_fired;\n";
        assertThat(violationsOfNext("-- contract: drops rules_fired\n" + drop))
                .anySatisfy(v -> assertThat(v).contains("declared exactly as"))
                .anySatisfy(v -> assertThat(v).contains("drops a column"));
        assertThat(violationsOfNext(
                        "-- contract: completes V0, old code stopped using rules_fired in release 1\n" + drop))
                .anySatisfy(v -> assertThat(v).contains("V0, which is no migration here"))
                .anySatisfy(v -> assertThat(v).contains("drops a column"));
        String self = nextFileName().replaceAll("__.*", "");
        assertThat(violationsOfNext("-- contract: completes " + self
                        + ", old code stopped using rules_fired in release 1\n" + drop))
                .anySatisfy(v -> assertThat(v).contains("completes an older migration"));
        // the declaration belongs to the leading comment lines, not after a statement
        assertThat(violationsOfNext(
                        "SELECT 1;\n-- contract: completes V3, old code stopped using rules_fired in release 1\n"
                                + drop))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("drops a column");
    }

    @Test
    void aConcurrentIndexBuildIsItsFilesOnlyStatement() {
        assertThat(violationsOfNext("CREATE INDEX ${concurrently} messages_client_idx ON messages (client_id);\n"
                        + "ALTER TABLE messages ADD COLUMN note VARCHAR;"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("the file's only statement");
    }

    @Test
    void droppingAUniqueIndexAnEarlierMigrationMadeIsAContract() {
        List<Migration> migrations = new ArrayList<>(shippedMigrationFiles());
        int next = nextVersion();
        migrations.add(new Migration(
                "V" + next + "__drafts.sql",
                "CREATE TABLE drafts (id INT);\nCREATE UNIQUE INDEX drafts_key ON drafts (id);"));
        migrations.add(new Migration("V" + (next + 1) + "__drop_key.sql", "DROP INDEX drafts_key;"));
        assertThat(MigrationRules.violations(migrations))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("drops a unique index");
    }

    @Test
    void fileNamesAreVersionedAndVersionsUnique() {
        List<Migration> migrations = new ArrayList<>(shippedMigrationFiles());
        migrations.add(new Migration("V7__again.sql", "SELECT 1;"));
        migrations.add(new Migration("R__view.sql", "SELECT 1;"));
        assertThat(MigrationRules.violations(migrations))
                .anySatisfy(v -> assertThat(v).contains("version taken by"))
                .anySatisfy(v -> assertThat(v).contains("not a versioned migration name"));
    }

    /** The violations the shipped migrations and {@code sql} as the next one have. */
    private static List<String> violationsOfNext(String sql) {
        List<Migration> migrations = new ArrayList<>(shippedMigrationFiles());
        migrations.add(new Migration(nextFileName(), sql));
        return MigrationRules.violations(migrations);
    }

    private static String nextFileName() {
        return "V" + nextVersion() + "__next.sql";
    }

    private static int nextVersion() {
        return shippedMigrationFiles().stream()
                        .mapToInt(m -> Integer.parseInt(m.fileName().replaceAll("^V(\\d+)__.*", "$1")))
                        .max()
                        .orElse(0)
                + 1;
    }

    /** The migrations under {@code src/main/resources/db/migration}, by version. */
    static List<Migration> shippedMigrationFiles() {
        return migrationFiles(MIGRATIONS);
    }

    /** The SQLite migrations, under {@code src/main/resources/db/sqlite}, by version. */
    static List<Migration> sqliteMigrationFiles() {
        return migrationFiles(SQLITE_MIGRATIONS);
    }

    private static List<Migration> migrationFiles(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".sql"))
                    .sorted(Comparator.comparingInt(
                            f -> Integer.parseInt(f.getFileName().toString().replaceAll("^V(\\d+)__.*", "$1"))))
                    .map(f -> {
                        try {
                            return new Migration(f.getFileName().toString(), Files.readString(f));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory.toAbsolutePath(), e);
        }
    }
}
