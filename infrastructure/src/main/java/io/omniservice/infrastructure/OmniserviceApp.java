package io.omniservice.infrastructure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.cxapi.CloudAssembly;

/**
 * The CDK app: one {@link OmniserviceStack}. Run by {@code bin/omni synth} (templates into
 * {@code infrastructure/target/cdk.out/}, offline) and by the CDK CLI ({@code cdk deploy}, which names the
 * output directory and passes context itself). Arguments {@code key=value} are context, as the CLI's
 * {@code -c key=value}. Account and region come from context ({@code account}, {@code region}) or the CLI's
 * {@code CDK_DEFAULT_ACCOUNT}/{@code CDK_DEFAULT_REGION}; without them the template is environment-agnostic
 * (it deploys to whichever account and region it is given), so synthesis looks nothing up.
 */
public final class OmniserviceApp {
    private static final Logger LOG = LoggerFactory.getLogger(OmniserviceApp.class);

    public static final String STACK_NAME = "Omniservice";

    private static final String MINIMIZE_POLICIES = "@aws-cdk/aws-iam:minimizePolicies";

    private OmniserviceApp() {}

    public static void main(String[] args) {
        Map<String, Object> context = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("arguments are context as key=value, got '" + arg + "'");
            }
            context.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Path repository = repositoryRoot();
        AppProps.Builder props = AppProps.builder().analyticsReporting(false).context(context);
        if (System.getenv("CDK_OUTDIR") == null) {
            props.outdir(repository.resolve("infrastructure/target/cdk.out").toString());
        }
        long started = System.nanoTime();
        App app = new App(props.build());
        OmniserviceStack stack = build(app, repository);
        CloudAssembly assembly = app.synth();
        LOG.info(
                "synthesized {} into {} in {} ms",
                stack.getStackName(),
                assembly.getDirectory(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** The stack in {@code app}, with the settings of the app's context. */
    public static OmniserviceStack build(App app, Path repository) {
        // one statement per set of actions instead of one per grant: the roles' policies stay inline and small
        if (app.getNode().tryGetContext(MINIMIZE_POLICIES) == null) {
            app.getNode().setContext(MINIMIZE_POLICIES, true);
        }
        DeploymentSettings settings =
                DeploymentSettings.fromContext(key -> app.getNode().tryGetContext(key), repository);
        StackProps.Builder props = StackProps.builder()
                .stackName(STACK_NAME)
                .description("Omniservice, the omnichannel messaging gateway, on Lambda, DynamoDB, SQS, SNS and S3");
        String account = setting(app, "account", "CDK_DEFAULT_ACCOUNT");
        String region = setting(app, "region", "CDK_DEFAULT_REGION");
        if (account != null || region != null) {
            props.env(Environment.builder().account(account).region(region).build());
        }
        return new OmniserviceStack(app, STACK_NAME, props.build(), settings);
    }

    private static String setting(App app, String contextKey, String environmentVariable) {
        Object value = app.getNode().tryGetContext(contextKey);
        if (value != null && !value.toString().isBlank()) {
            return value.toString();
        }
        String fromEnvironment = System.getenv(environmentVariable);
        return fromEnvironment == null || fromEnvironment.isBlank() ? null : fromEnvironment;
    }

    /** The repository's root: the working directory or its parent (when run from {@code infrastructure/}). */
    static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("infrastructure")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("run from the repository or its infrastructure/ folder (in " + here + ")");
    }
}
