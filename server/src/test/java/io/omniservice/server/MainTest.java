package io.omniservice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void readsTheConfigPathInBothSpellings() {
        assertThat(Main.configFile(new String[0])).isEqualTo(Path.of("config/omniservice.yaml"));
        assertThat(Main.configFile(new String[] {"--config", "a.yaml"})).isEqualTo(Path.of("a.yaml"));
        assertThat(Main.configFile(new String[] {"--config=b.yaml"})).isEqualTo(Path.of("b.yaml"));
    }

    @Test
    void refusesUnknownArguments() {
        assertThatThrownBy(() -> Main.configFile(new String[] {"--port", "80"}))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--port");
        assertThatThrownBy(() -> Main.configFile(new String[] {"--config"})).isInstanceOf(ConfigException.class);
    }

    @Test
    void configErrorPrintsOneLineNamingTheKeyAndExits2() throws IOException, InterruptedException {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(
                config,
                "server:\n  publicBaseUrl: https://gw.example.com\n  port: eighty\n"
                        + "storage: {mode: embedded}\napi:\n  keys: [{name: a, key: k}]\n");
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "--config",
                        config.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(stderr)
                .containsExactly("omniservice: configuration error: server.port: must be a whole number from 0"
                        + " to 65535, got 'eighty'");
    }
}
