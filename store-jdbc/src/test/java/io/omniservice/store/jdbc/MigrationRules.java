package io.omniservice.store.jdbc;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The expand/contract rule for Flyway migrations (README, "Rolling upgrades"), checked on their text.
 * During a rolling upgrade nodes of the previous release run on the newest schema, so a migration may only
 * expand it. A statement that would break an old node (a contract operation) is refused unless its file
 * declares itself a contract step in its leading comment lines, exactly:
 *
 * <pre>-- contract: completes V&lt;n&gt;, old code stopped using &lt;what&gt; in release &lt;x&gt;</pre>
 *
 * where V&lt;n&gt; is an existing, older migration (the expand step this one completes). Contract operations:
 * dropping a table (or view, sequence, type...), a column or a constraint, a unique index; renaming; changing
 * a column's type; SET NOT NULL; dropping a default; adding a NOT NULL column without a default, or a
 * constraint or unique index to a table an earlier migration made. Operations on a table made in the same
 * file are free: no old code knows it.
 *
 * <p>Independently of contract steps: an index on a table an earlier migration made is built with {@code
 * CREATE INDEX ${concurrently}}, alone in its file, so PostgreSQL builds it without blocking writers; only
 * {@link #SMALL_TABLES} may take a plain build. {@code CONCURRENTLY} itself is refused: H2 does not know it.
 *
 * <p>What is read: statements split at {@code ;}, after comments and string literals are removed. Dollar-quoted
 * bodies ({@code DO $$ … $$}, functions) are not looked into.
 *
 * <p>Two sets of migrations: {@code db/migration} for PostgreSQL and H2, {@code db/sqlite} for SQLite, whose
 * first file ({@value #SQLITE_BASELINE}) is the whole schema the other set had reached by then. From there on
 * every migration comes in both sets under the same version, each in its own dialect ({@link #unpaired}): a
 * store on either engine then has the same tables, and a version number means the same change on both.
 */
final class MigrationRules {
    /** The exact form of a contract step's declaration. */
    static final String CONTRACT_FORM = "-- contract: completes V<n>, old code stopped using <what> in release <x>";

    /**
     * Tables whose rows do not pile up with traffic, where a plain index build takes milliseconds: work queues
     * (a row leaves once its work is done) and configuration made through the API.
     */
    static final Set<String> SMALL_TABLES = Set.of(
            "change_events",
            "send_jobs",
            "receipt_deadlines",
            "callback_deliveries",
            "subscriptions",
            "rules",
            "routing_rules",
            "client_secrets",
            "store_settings");

    /** The version of the SQLite set's first migration: the schema of db/migration up to it, in one file. */
    static final int SQLITE_BASELINE = 10;

    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__\\w+\\.sql");
    private static final Pattern CONTRACT = Pattern.compile(
            "--\\s*contract:\\s*completes V(\\d+), old code stopped using (\\S.*?) in release (\\S+)\\s*");
    private static final String NAME = "(\"[^\"]+\"|[\\w.$]+)";

    private static final Pattern CREATE_TABLE = Pattern.compile(
            "CREATE (?:(?:GLOBAL |LOCAL )?(?:TEMPORARY |TEMP |UNLOGGED ))?TABLE (?:IF NOT EXISTS )?" + NAME + ".*");
    private static final Pattern CREATE_INDEX =
            Pattern.compile("CREATE (UNIQUE )?INDEX (CONCURRENTLY |\\$\\{CONCURRENTLY\\} )?(?:IF NOT EXISTS )?(?:"
                    + NAME + " )?ON (?:ONLY )?" + NAME + ".*");
    private static final Pattern DROP = Pattern.compile(
            "DROP (MATERIALIZED VIEW|FOREIGN TABLE|[A-Z]+) (?:CONCURRENTLY )?(?:IF EXISTS )?" + NAME + ".*");
    private static final Pattern ALTER_TABLE =
            Pattern.compile("ALTER TABLE (?:IF EXISTS )?(?:ONLY )?" + NAME + " (.*)");
    private static final Pattern ALTER_OTHER = Pattern.compile("ALTER (VIEW|MATERIALIZED VIEW|SEQUENCE|TYPE) .*");

    private static final Pattern DROP_CONSTRAINT = Pattern.compile("DROP CONSTRAINT .*");
    private static final Pattern DROP_COLUMN = Pattern.compile("DROP (?:COLUMN )?(?:IF EXISTS )?" + NAME + ".*");
    private static final Pattern RENAME = Pattern.compile("RENAME .*");
    private static final Pattern COLUMN_TYPE = Pattern.compile("ALTER (?:COLUMN )?" + NAME + " (?:SET DATA )?TYPE .*");
    private static final Pattern SET_NOT_NULL = Pattern.compile("ALTER (?:COLUMN )?" + NAME + " SET NOT NULL.*");
    private static final Pattern DROP_DEFAULT = Pattern.compile("ALTER (?:COLUMN )?" + NAME + " DROP DEFAULT.*");
    private static final Pattern ADD_CONSTRAINT =
            Pattern.compile("ADD (?:CONSTRAINT " + NAME + " )?(PRIMARY KEY|UNIQUE|CHECK|FOREIGN KEY|EXCLUDE)\\b.*");
    private static final Pattern ADD_COLUMN = Pattern.compile("ADD (?:COLUMN )?(?:IF NOT EXISTS )?" + NAME + " (.*)");

    private MigrationRules() {}

    /** One migration file: its name ({@code V7__rate_buckets.sql}) and text. */
    record Migration(String fileName, String sql) {}

    /**
     * Every breach of the rule in {@code migrations} (all of them, any order), each naming its file and
     * statement; empty when they keep it.
     */
    static List<String> violations(List<Migration> migrations) {
        List<String> found = new ArrayList<>();
        Map<Integer, Migration> byVersion = new java.util.TreeMap<>();
        for (Migration migration : migrations) {
            Matcher name = FILE_NAME.matcher(migration.fileName());
            if (!name.matches()) {
                found.add(migration.fileName() + ": not a versioned migration name (V<n>__<words>.sql)");
                continue;
            }
            Migration other = byVersion.put(Integer.parseInt(name.group(1)), migration);
            if (other != null) {
                found.add(migration.fileName() + ": version taken by " + other.fileName());
            }
        }
        Set<String> uniqueIndexes = new HashSet<>();
        for (Map.Entry<Integer, Migration> entry : byVersion.entrySet()) {
            found.addAll(check(entry.getKey(), entry.getValue(), byVersion, uniqueIndexes));
        }
        return found;
    }

    /**
     * Every version from {@link #SQLITE_BASELINE} on that one set has and the other lacks, and every SQLite
     * migration older than the baseline; empty when the sets are paired.
     */
    static List<String> unpaired(List<Migration> postgres, List<Migration> sqlite) {
        Map<Integer, String> postgresVersions = versions(postgres);
        Map<Integer, String> sqliteVersions = versions(sqlite);
        List<String> found = new ArrayList<>();
        if (!sqliteVersions.containsKey(SQLITE_BASELINE)) {
            found.add("db/sqlite has no baseline V" + SQLITE_BASELINE + " (the schema of db/migration up to it)");
        }
        sqliteVersions.forEach((version, file) -> {
            if (version < SQLITE_BASELINE) {
                found.add("db/sqlite/" + file + ": older than the baseline V" + SQLITE_BASELINE
                        + ", which already holds every change before it");
            } else if (!postgresVersions.containsKey(version)) {
                found.add("db/sqlite/" + file + " has no migration of the same version in db/migration:"
                        + " write the same change for PostgreSQL and H2 as V" + version + "__….sql");
            }
        });
        postgresVersions.forEach((version, file) -> {
            if (version >= SQLITE_BASELINE && !sqliteVersions.containsKey(version)) {
                found.add("db/migration/" + file + " has no migration of the same version in db/sqlite:"
                        + " write the same change for SQLite as V" + version + "__….sql");
            }
        });
        return found;
    }

    private static Map<Integer, String> versions(List<Migration> migrations) {
        Map<Integer, String> versions = new java.util.TreeMap<>();
        for (Migration migration : migrations) {
            Matcher name = FILE_NAME.matcher(migration.fileName());
            if (name.matches()) {
                versions.put(Integer.parseInt(name.group(1)), migration.fileName());
            }
        }
        return versions;
    }

    private static List<String> check(
            int version, Migration migration, Map<Integer, Migration> byVersion, Set<String> uniqueIndexes) {
        List<String> found = new ArrayList<>();
        String file = migration.fileName();
        String contract = null;
        for (String line : migration.sql().strip().lines().toList()) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("--")) {
                break; // the leading comment lines end here
            }
            if (trimmed.matches("--\\s*contract\\b.*")) {
                Matcher declared = CONTRACT.matcher(trimmed);
                if (!declared.matches()) {
                    found.add(file + ": a contract step is declared exactly as '" + CONTRACT_FORM + "', not '" + trimmed
                            + "'");
                    continue;
                }
                int completes = Integer.parseInt(declared.group(1));
                if (completes >= version) {
                    found.add(file + ": a contract step completes an older migration, not V" + completes);
                } else if (!byVersion.containsKey(completes)) {
                    found.add(file + ": completes V" + completes + ", which is no migration here");
                } else {
                    contract = trimmed;
                }
            }
        }

        List<String> statements = statements(migration.sql());
        Set<String> madeHere = new HashSet<>();
        Map<String, String> contractOperations = new LinkedHashMap<>();
        for (String statement : statements) {
            Matcher m;
            if ((m = CREATE_TABLE.matcher(statement)).matches()) {
                madeHere.add(unquote(m.group(1)));
            } else if ((m = CREATE_INDEX.matcher(statement)).matches()) {
                boolean unique = m.group(1) != null;
                String how = m.group(2) == null ? "" : m.group(2).strip();
                String table = unquote(m.group(4));
                if (unique && m.group(3) != null) {
                    uniqueIndexes.add(unquote(m.group(3)));
                }
                if (how.equals("CONCURRENTLY")) {
                    found.add(file + ": write CREATE INDEX ${concurrently}, not CONCURRENTLY (H2 does not know it): "
                            + statement);
                }
                if (!madeHere.contains(table)) {
                    if (unique) {
                        contractOperations.put(statement, "adds a unique index to a table old nodes write");
                    } else if (how.isEmpty() && !SMALL_TABLES.contains(table)) {
                        found.add(file + ": builds an index on " + table
                                + ", which holds rows already, inside the migration's transaction (writes wait"
                                + " for it): use CREATE INDEX ${concurrently}, alone in its file: " + statement);
                    }
                }
                if (!how.isEmpty() && statements.size() > 1) {
                    found.add(file + ": an index built ${concurrently} runs outside a transaction, so it is the"
                            + " file's only statement: " + statement);
                }
            } else if ((m = DROP.matcher(statement)).matches()) {
                String kind = m.group(1);
                String object = unquote(m.group(2));
                if (!kind.equals("INDEX")) {
                    contractOperations.put(statement, "drops a " + kind.toLowerCase(Locale.ROOT));
                } else if (uniqueIndexes.contains(object)) {
                    contractOperations.put(statement, "drops a unique index (old code counts on the uniqueness)");
                }
            } else if ((m = ALTER_TABLE.matcher(statement)).matches()) {
                String table = unquote(m.group(1));
                if (madeHere.contains(table)) {
                    continue;
                }
                for (String action : splitTopLevel(m.group(2))) {
                    String why = contractAction(action);
                    if (why != null) {
                        contractOperations.put(statement, why);
                    }
                }
            } else if (ALTER_OTHER.matcher(statement).matches() && statement.contains(" RENAME ")) {
                contractOperations.put(statement, "renames");
            }
        }
        if (contract == null) {
            contractOperations.forEach((statement, why) -> found.add(file + ": " + why
                    + ", a contract operation: it ships in a later release than its expand step, in a file"
                    + " declared '" + CONTRACT_FORM + "': " + statement));
        }
        return found;
    }

    /** Why one action of an {@code ALTER TABLE} on an existing table breaks old nodes, or null if it does not. */
    private static String contractAction(String action) {
        if (DROP_CONSTRAINT.matcher(action).matches()) {
            return "drops a constraint";
        }
        if (DROP_COLUMN.matcher(action).matches()) {
            return "drops a column";
        }
        if (RENAME.matcher(action).matches()) {
            return "renames";
        }
        if (COLUMN_TYPE.matcher(action).matches()) {
            return "changes a column's type";
        }
        if (SET_NOT_NULL.matcher(action).matches()) {
            return "sets NOT NULL";
        }
        if (DROP_DEFAULT.matcher(action).matches()) {
            return "drops a default (old nodes insert without the column)";
        }
        if (ADD_CONSTRAINT.matcher(action).matches()) {
            return "adds a constraint to a table old nodes write";
        }
        Matcher column = ADD_COLUMN.matcher(action);
        if (column.matches()) {
            String definition = " " + column.group(2) + " ";
            if (definition.contains(" NOT NULL ")
                    && !definition.contains(" DEFAULT ")
                    && !definition.contains(" GENERATED ")) {
                return "adds a NOT NULL column without a default (old nodes insert without it)";
            }
        }
        return null;
    }

    /**
     * The statements of a migration: comments and string literals removed, whitespace collapsed, upper case
     * (placeholders included: {@code ${CONCURRENTLY}}).
     */
    static List<String> statements(String sql) {
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '-' && sql.startsWith("--", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? sql.length() : end;
            } else if (c == '/' && sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 2;
                text.append(' ');
            } else if (c == '\'') {
                int end = i + 1;
                while (end < sql.length()) {
                    if (sql.charAt(end) == '\'') {
                        if (end + 1 < sql.length() && sql.charAt(end + 1) == '\'') {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                text.append("''");
                i = end + 1;
            } else {
                text.append(c);
                i++;
            }
        }
        List<String> statements = new ArrayList<>();
        for (String statement : text.toString().split(";")) {
            String normalized = statement
                    .replaceAll("([(),])", " $1 ")
                    .replaceAll("\\s+", " ")
                    .strip()
                    .toUpperCase(Locale.ROOT);
            if (!normalized.isEmpty()) {
                statements.add(normalized);
            }
        }
        return statements;
    }

    /** The actions of an ALTER TABLE, split at the commas outside parentheses. */
    private static List<String> splitTopLevel(String actions) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < actions.length(); i++) {
            char c = actions.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(actions.substring(start, i).strip());
                start = i + 1;
            }
        }
        parts.add(actions.substring(start).strip());
        return parts;
    }

    private static String unquote(String name) {
        String bare = name.startsWith("\"") ? name.substring(1, name.length() - 1) : name;
        int dot = bare.lastIndexOf('.');
        return (dot < 0 ? bare : bare.substring(dot + 1)).toLowerCase(Locale.ROOT);
    }
}
