package io.omniservice.infrastructure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awscdk.services.lambda.Code;

/**
 * The code every function runs: the aws-lambda module's shaded jar. Synthesis (tests, {@code bin/omni synth})
 * must not need that jar built, so when it is missing the functions get a small placeholder directory made
 * under {@code infrastructure/target/} instead, and a log line says so; such a template describes the
 * deployment faithfully but its functions would not start, so it is for reading, not for {@code cdk deploy}.
 */
public final class LambdaCode {
    private static final Logger LOG = LoggerFactory.getLogger(LambdaCode.class);

    private LambdaCode() {}

    /** Whether {@code settings} name a built jar (false: {@link #of} gives the placeholder). */
    public static boolean jarBuilt(DeploymentSettings settings) {
        return Files.isRegularFile(settings.lambdaJar());
    }

    public static Code of(DeploymentSettings settings) {
        if (jarBuilt(settings)) {
            return Code.fromAsset(settings.lambdaJar().toString());
        }
        Path placeholder = settings.placeholderDir();
        try {
            Files.createDirectories(placeholder);
            // fixed content, so the asset's hash and therefore the template do not change between runs
            Files.writeString(
                    placeholder.resolve("PLACEHOLDER.txt"),
                    "Not a Lambda package: " + DeploymentSettings.LAMBDA_JAR
                            + " was not built when this template was synthesized.\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the placeholder asset " + placeholder, e);
        }
        LOG.warn(
                "{} is missing: the functions' code is the placeholder {} (enough to synthesize and read the"
                        + " templates, not to deploy them); build it with `mvn -pl aws-lambda -am package` first",
                settings.lambdaJar(),
                placeholder);
        return Code.fromAsset(placeholder.toString());
    }
}
