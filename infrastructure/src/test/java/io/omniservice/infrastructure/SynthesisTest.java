package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.CloudAssembly;

/** Synthesis is clean, repeatable byte for byte, and needs no built handler jar. */
class SynthesisTest {

    @Test
    void synthesisReportsNoWarningsOrErrors() {
        OmniserviceStack stack = Synthesized.stack();
        Annotations annotations = Annotations.fromStack(stack);
        assertThat(describe(annotations.findWarning("*", Match.anyValue()))).isEmpty();
        assertThat(describe(annotations.findError("*", Match.anyValue()))).isEmpty();
    }

    @Test
    void twoSynthesesWriteIdenticalTemplates() throws Exception {
        String first = synthesizeTemplate();
        String second = synthesizeTemplate();
        assertThat(second).isEqualTo(first);
        assertThat(first).contains("AWS::StepFunctions::StateMachine");
    }

    @Test
    void withoutTheHandlerJarTheFunctionsCarryTheMarkedPlaceholder() throws Exception {
        DeploymentSettings settings = Synthesized.stack().settings();
        if (LambdaCode.jarBuilt(settings)) {
            // a built jar is what the functions get instead; that case is checked below
            return;
        }
        assertThat(Files.readString(settings.placeholderDir().resolve("PLACEHOLDER.txt")))
                .contains("Not a Lambda package")
                .contains(DeploymentSettings.LAMBDA_JAR);
        assertThat(settings.placeholderDir())
                .startsWith(Synthesized.repository().resolve("infrastructure/target"));
    }

    @Test
    void aBuiltJarIsTheFunctionsCodeAsIs() throws Exception {
        Path root = Files.createTempDirectory(Synthesized.repository().resolve("infrastructure/target"), "repo-");
        Path jar = root.resolve(DeploymentSettings.LAMBDA_JAR);
        Files.createDirectories(jar.getParent());
        Files.write(jar, new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        DeploymentSettings settings = DeploymentSettings.fromContext(key -> null, root);
        assertThat(LambdaCode.jarBuilt(settings)).isTrue();
        App app = new App(software.amazon.awscdk.AppProps.builder()
                .analyticsReporting(false)
                .outdir(root.resolve("cdk.out").toString())
                .build());
        OmniserviceStack stack = new OmniserviceStack(app, "Jar", null, settings);
        CloudAssembly assembly = app.synth();
        String assets = Files.readString(Path.of(assembly.getDirectory(), stack.getArtifactId() + ".assets.json"));
        assertThat(assets).contains("\"packaging\": \"file\"").contains(".jar");
        assertThat(Files.exists(settings.placeholderDir())).isFalse();
    }

    private static java.util.List<String> describe(
            java.util.List<software.amazon.awscdk.cxapi.SynthesisMessage> messages) {
        return messages.stream()
                .map(m -> m.getId() + ": " + m.getEntry().getData())
                .toList();
    }

    private static String synthesizeTemplate() throws Exception {
        OmniserviceStack stack = Synthesized.synthesize(Map.of());
        CloudAssembly assembly = ((App) stack.getNode().getRoot()).synth();
        return Files.readString(Path.of(assembly.getDirectory(), stack.getTemplateFile()));
    }
}
