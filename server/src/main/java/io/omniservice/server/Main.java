package io.omniservice.server;

import io.omniservice.core.config.ConfigException;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.config.LoadedConfig;
import io.omniservice.server.logging.LogFormat;
import java.nio.file.Path;

/** Starts the gateway: {@code java -jar omniservice.jar [--config config/omniservice.yaml]}. */
public final class Main {
    /** The exit status for a configuration the gateway cannot run with. */
    static final int CONFIG_ERROR = 2;

    static final String DEFAULT_CONFIG = "config/omniservice.yaml";

    private Main() {}

    public static void main(String[] args) {
        Gateway gateway;
        try {
            Path configFile = configFile(args);
            LoadedConfig config = new ConfigLoader(System.getenv()).readFile(configFile);
            LogFormat.apply(config.config().logging());
            gateway = Gateway.open(config);
        } catch (ConfigException e) {
            System.err.println("omniservice: configuration error: " + e.getMessage());
            System.exit(CONFIG_ERROR);
            return;
        }
        Runtime.getRuntime()
                .addShutdownHook(
                        Thread.ofPlatform().name("omniservice-shutdown").unstarted(gateway::close));
        try {
            gateway.start();
        } catch (RuntimeException e) {
            System.err.println("omniservice: cannot start: " + e.getMessage());
            gateway.close();
            System.exit(1);
        }
    }

    /** {@code --config <path>} or {@code --config=<path>}; the default when absent. */
    static Path configFile(String[] args) {
        String path = DEFAULT_CONFIG;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--config")) {
                if (i + 1 >= args.length) {
                    throw new ConfigException("--config", "needs a file path");
                }
                path = args[++i];
            } else if (arg.startsWith("--config=")) {
                path = arg.substring("--config=".length());
            } else {
                throw new ConfigException(arg, "unknown argument; usage: omniservice [--config <file.yaml>]");
            }
        }
        return Path.of(path);
    }
}
