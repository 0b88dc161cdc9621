package io.omniservice.infrastructure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Template;

/**
 * One synthesis of the app per test JVM, shared by the template tests (a synthesis drives CDK's node process
 * and takes seconds). The node CDK needs is the one {@code tools/aws-emulators} pins; without it the tests
 * fail saying how to install it, instead of with jsii's own message.
 */
final class Synthesized {
    static final ObjectMapper JSON = new ObjectMapper();

    private static OmniserviceStack stack;
    private static Template template;
    private static JsonNode json;

    private Synthesized() {}

    static synchronized OmniserviceStack stack() {
        if (stack == null) {
            stack = synthesize(Map.of());
            template = Template.fromStack(stack);
            json = JSON.valueToTree(template.toJSON());
        }
        return stack;
    }

    static Template template() {
        stack();
        return template;
    }

    /** The template as a tree, for walking resources by type. */
    static JsonNode json() {
        stack();
        return json;
    }

    /** A fresh app with {@code context}, its stack built (not yet synthesized). */
    static OmniserviceStack synthesize(Map<String, String> context) {
        requireNode();
        Map<String, Object> values = new LinkedHashMap<>(context);
        App app = new App(AppProps.builder()
                .analyticsReporting(false)
                .context(values)
                .outdir(outDir().toString())
                .build());
        return OmniserviceApp.build(app, repository());
    }

    static Path repository() {
        return OmniserviceApp.repositoryRoot();
    }

    private static Path outDir() {
        try {
            Path target = repository().resolve("infrastructure/target");
            Files.createDirectories(target);
            return Files.createTempDirectory(target, "cdk-test-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void requireNode() {
        String node = System.getenv("JSII_NODE");
        if (node == null || !Files.isExecutable(Path.of(node))) {
            throw new IllegalStateException("CDK needs node (Node 22) to synthesize, looked for JSII_NODE=" + node
                    + "; install it with (cd tools/aws-emulators && npm ci)");
        }
    }
}
