package io.omniservice.acceptance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The gateway as it was just before the newest migration: the parent of the commit that added the newest
 * file under {@value #MIGRATIONS}. Its jar is built from that commit's tree ({@code git archive}, no worktree)
 * with the Maven and JDK of this build, and kept under {@code target/previous-release/<commit>/} so a rerun
 * does not build it again.
 */
final class PreviousRelease {
    static final String MIGRATIONS = "store-jdbc/src/main/resources/db/migration";
    private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__.+\\.sql");
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);

    /** Why this checkout cannot give the previous release (no git, not a checkout, history cut short). */
    static final class Unavailable extends Exception {
        Unavailable(String reason) {
            super(reason);
        }
    }

    private final Path root;
    /** The previous release's commit. */
    final String commit;
    /** What this build adds: the newest migration, as {@code V7__rate_buckets.sql}, and its version. */
    final String newestMigration;

    final int newestVersion;
    /** The newest migration version the previous release knows. */
    final int previousVersion;

    private PreviousRelease(Path root, String commit, String newestMigration, int newestVersion, int previousVersion) {
        this.root = root;
        this.commit = commit;
        this.newestMigration = newestMigration;
        this.newestVersion = newestVersion;
        this.previousVersion = previousVersion;
    }

    /** The previous release of the checkout at {@code root}. */
    static PreviousRelease locate(Path root) throws Unavailable, IOException, InterruptedException {
        try {
            git(root, "--version");
        } catch (IOException e) {
            throw new Unavailable("git is not installed: " + e.getMessage());
        }
        if (!"true".equals(gitOrNull(root, "rev-parse", "--is-inside-work-tree"))) {
            throw new Unavailable(root + " is not a git checkout");
        }
        String newest;
        try (Stream<Path> files = Files.list(root.resolve(MIGRATIONS))) {
            newest = files.map(f -> f.getFileName().toString())
                    .filter(name -> VERSIONED.matcher(name).matches())
                    .max(Comparator.comparingInt(PreviousRelease::version))
                    .orElseThrow(() -> new IllegalStateException("no migration under " + MIGRATIONS));
        }
        // along the first parents, merges compared with theirs: a migration renumbered while merging a branch
        // (two branches each adding a V9) is added by that merge, which a plain log does not diff at all
        String addedBy = git(
                root,
                "log",
                "-n1",
                "--first-parent",
                "-m",
                "--diff-filter=A",
                "--format=%H",
                "--",
                MIGRATIONS + "/" + newest);
        String commit;
        if (addedBy.isEmpty()) {
            // not committed yet: the checkout's HEAD is the release before it
            commit = git(root, "rev-parse", "HEAD");
            System.out.printf("rolling upgrade: %s is not committed; the previous release is HEAD%n", newest);
        } else {
            commit = gitOrNull(root, "rev-parse", "--verify", "--quiet", addedBy + "^");
            if (commit == null || commit.isEmpty()) {
                String shallow = gitOrNull(root, "rev-parse", "--is-shallow-repository");
                throw new Unavailable("the parent of " + addedBy + " (which added " + newest
                        + ") is not in this clone"
                        + ("true".equals(shallow)
                                ? ": it is shallow; fetch the history (git fetch --unshallow, or fetch-depth: 0)"
                                : ""));
            }
        }
        int previousVersion = git(root, "ls-tree", "--name-only", commit, MIGRATIONS + "/")
                .lines()
                .map(path -> path.substring(path.lastIndexOf('/') + 1))
                .filter(name -> VERSIONED.matcher(name).matches())
                .mapToInt(PreviousRelease::version)
                .max()
                .orElse(0);
        return new PreviousRelease(root, commit, newest, version(newest), previousVersion);
    }

    /**
     * The previous release's gateway jar, built now unless {@code cache} holds it. Maven runs offline first
     * (everything it needs is usually in the local repository already), then online unless this build is
     * offline itself.
     */
    Path jar(Path cache) throws IOException, InterruptedException {
        Path home = cache.resolve(commit);
        Path jar = home.resolve("omniservice.jar");
        if (Files.isRegularFile(jar)) {
            System.out.printf("rolling upgrade: previous release %s from the cache (%s)%n", shortCommit(), jar);
            return jar;
        }
        Files.createDirectories(home);
        Path tree = home.resolve("src");
        deleteTree(tree);
        Files.createDirectories(tree);
        Path tar = home.resolve("src.tar");
        git(root, "archive", "--format=tar", "-o", tar.toString(), commit);
        run(List.of("tar", "-x", "-f", tar.toString(), "-C", tree.toString()), tree, home.resolve("extract.log"));
        Files.delete(tar);

        long started = System.nanoTime();
        Path log = home.resolve("build.log");
        boolean offline = "offline=true".equals(System.getProperty("omniservice.mavenOffline"));
        Path apiDocs = tree.resolve("tools/api-docs");
        int exit = 0;
        if (Files.isRegularFile(apiDocs.resolve("package-lock.json"))) {
            // the server's build refuses to start without the API reference page's npm package, as .ci/run installs it
            exit = run(List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"), apiDocs, log);
        }
        if (exit == 0) {
            exit = run(maven(true), tree, log);
        }
        if (exit != 0 && !offline) {
            Files.writeString(log, "\n--- offline build failed (exit " + exit + "); online ---\n", appending());
            exit = run(maven(false), tree, log);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        if (exit != 0) {
            throw new IllegalStateException("building the previous release " + commit + " failed (exit " + exit + ", "
                    + took.toSeconds() + " s); the end of " + log + ":\n" + tail(log, 40));
        }
        Path built = tree.resolve("server/target/omniservice.jar");
        Path partial = home.resolve("omniservice.jar.part");
        Files.copy(built, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        deleteTree(tree);
        System.out.printf(
                "rolling upgrade: built the previous release %s in %d s (%s)%n", shortCommit(), took.toSeconds(), jar);
        return jar;
    }

    String shortCommit() {
        return commit.substring(0, 10);
    }

    private static List<String> maven(boolean offline) {
        String home = System.getProperty("maven.home");
        Path mvn = home == null ? null : Path.of(home, "bin", "mvn");
        List<String> command = new ArrayList<>();
        command.add(mvn != null && Files.isExecutable(mvn) ? mvn.toString() : "mvn");
        command.addAll(List.of("-B", "-ntp", "-q"));
        if (offline) {
            command.add("-o");
        }
        String repository = System.getProperty("omniservice.mavenRepoLocal");
        if (repository != null && !repository.isBlank()) {
            command.add("-Dmaven.repo.local=" + repository);
        }
        // the jar is all we need: its tests ran when it was committed, so they are not run. They are compiled, though:
        // a module's tests may use another's test-jar (server's use aws's), which maven.test.skip would not build,
        // and the reactor then cannot resolve it
        command.addAll(List.of("package", "-DskipTests", "-pl", "server", "-am"));
        return command;
    }

    private static int run(List<String> command, Path directory, Path log) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // the JDK this test runs on, which is the one this build's Maven uses
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        if (!process.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException(command.getFirst() + " did not finish in " + BUILD_TIMEOUT);
        }
        return process.exitValue();
    }

    private static String git(Path root, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-C", root.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + err.strip());
        }
        return new String(out, StandardCharsets.UTF_8).strip();
    }

    private static String gitOrNull(Path root, String... args) throws InterruptedException {
        try {
            return git(root, args);
        } catch (IOException e) {
            return null;
        }
    }

    private static int version(String fileName) {
        Matcher m = VERSIONED.matcher(fileName);
        if (!m.matches()) {
            throw new IllegalArgumentException(fileName);
        }
        return Integer.parseInt(m.group(1));
    }

    private static java.nio.file.OpenOption[] appending() {
        return new java.nio.file.OpenOption[] {
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND
        };
    }

    private static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
