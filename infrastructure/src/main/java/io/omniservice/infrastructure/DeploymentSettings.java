package io.omniservice.infrastructure;

import io.omniservice.aws.dynamo.Tables;
import io.omniservice.aws.queue.SendQueueSettings;
import io.omniservice.core.model.CarrierType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What one deployment is named and made of, read from CDK context ({@code cdk deploy -c tablePrefix=...}) with
 * the defaults the Lambda configuration assumes. Checked when built, so a bad value fails the synthesis with
 * the context key that holds it.
 *
 * @param tablePrefix prefixed to every DynamoDB table name ({@code OMNI_TABLE_PREFIX})
 * @param sendQueue the base name of the SQS FIFO send queues ({@code OMNI_SEND_QUEUE})
 * @param secretsPrefix prefixed to every Secrets Manager secret name ({@code OMNI_SECRETS_PREFIX})
 * @param carrierAccounts per carrier, in {@link CarrierType} order, the accounts that get a secret each
 * @param publicBaseUrl the URL carriers call (a custom domain); null: the HTTP API's own URL
 * @param alarmEmail where alarm notifications are mailed; null: the alarm topic has no subscriber yet
 * @param lambdaJar the shaded jar of the handlers; see {@link LambdaCode} for what happens when it is missing
 * @param placeholderDir where a placeholder asset is made when the jar is missing
 */
public record DeploymentSettings(
        String tablePrefix,
        String sendQueue,
        String secretsPrefix,
        Map<CarrierType, List<String>> carrierAccounts,
        String publicBaseUrl,
        String alarmEmail,
        Path lambdaJar,
        Path placeholderDir) {

    public static final String DEFAULT_TABLE_PREFIX = "omniservice-";
    public static final String DEFAULT_SEND_QUEUE = "omniservice-sends";
    public static final String DEFAULT_SECRETS_PREFIX = "omniservice/";
    /** The handlers' jar, relative to the repository root (the aws-lambda module's {@code finalName}). */
    public static final String LAMBDA_JAR = "aws-lambda/target/omniservice-aws-lambda.jar";

    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern SECRETS_PREFIX = Pattern.compile("[A-Za-z0-9/_+=.@-]{0,100}");

    public DeploymentSettings {
        new Tables(tablePrefix); // checks the prefix as the code does
        new SendQueueSettings(sendQueue, 1, false); // checks the queue name as the code does
        if (secretsPrefix == null || !SECRETS_PREFIX.matcher(secretsPrefix).matches()) {
            throw new IllegalArgumentException(
                    "secretsPrefix may hold letters, digits and /_+=.@- only (at most 100), got '" + secretsPrefix
                            + "'");
        }
        Map<CarrierType, List<String>> accounts = new LinkedHashMap<>();
        for (CarrierType carrier : CarrierType.values()) {
            List<String> names = carrierAccounts.getOrDefault(carrier, List.of());
            for (String name : names) {
                if (!ACCOUNT.matcher(name).matches()) {
                    throw new IllegalArgumentException("carrierAccounts: account '" + name + "' of "
                            + carrier.wireName() + " must be 1 to 64 letters, digits, '-' or '_'");
                }
            }
            if (!names.isEmpty()) {
                accounts.put(carrier, List.copyOf(names));
            }
        }
        carrierAccounts = Collections.unmodifiableMap(accounts);
        if (publicBaseUrl != null && !publicBaseUrl.matches("https://[^\\s/]+(/\\S*)?")) {
            throw new IllegalArgumentException("publicBaseUrl must be an https URL, got '" + publicBaseUrl + "'");
        }
    }

    /**
     * The settings from CDK context: {@code tablePrefix}, {@code sendQueue}, {@code secretsPrefix},
     * {@code publicBaseUrl}, {@code alarmEmail}, and {@code carrierAccounts} as
     * {@code whatsapp=default,sales;twilio=default} (a carrier left out has its {@code default} account only,
     * a carrier given {@code none} has no secret).
     *
     * @param context the context value of a key, or null
     * @param repository the repository's root, where the handlers' jar is looked for
     */
    public static DeploymentSettings fromContext(Function<String, Object> context, Path repository) {
        return new DeploymentSettings(
                text(context, "tablePrefix", DEFAULT_TABLE_PREFIX),
                text(context, "sendQueue", DEFAULT_SEND_QUEUE),
                text(context, "secretsPrefix", DEFAULT_SECRETS_PREFIX),
                carrierAccounts(text(context, "carrierAccounts", "")),
                text(context, "publicBaseUrl", null),
                text(context, "alarmEmail", null),
                repository.resolve(LAMBDA_JAR),
                repository.resolve("infrastructure/target/lambda-placeholder"));
    }

    /** Every carrier's {@code default} account, with the overrides of {@code spec}. */
    static Map<CarrierType, List<String>> carrierAccounts(String spec) {
        Map<CarrierType, List<String>> accounts = new LinkedHashMap<>();
        for (CarrierType carrier : CarrierType.values()) {
            accounts.put(carrier, List.of("default"));
        }
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            String[] carrierAndAccounts = part.split("=", 2);
            String name = carrierAndAccounts[0].strip();
            CarrierType carrier = CarrierType.fromWireName(name)
                    .orElseThrow(() -> new IllegalArgumentException("carrierAccounts: unknown carrier '" + name
                            + "'; known carriers are "
                            + Arrays.stream(CarrierType.values())
                                    .map(CarrierType::wireName)
                                    .toList()));
            if (carrierAndAccounts.length < 2 || carrierAndAccounts[1].isBlank()) {
                throw new IllegalArgumentException(
                        "carrierAccounts: '" + part + "' must read carrier=account[,account] (or carrier=none)");
            }
            List<String> names = new ArrayList<>();
            for (String account : carrierAndAccounts[1].split(",")) {
                if (!account.isBlank() && !"none".equals(account.strip())) {
                    names.add(account.strip());
                }
            }
            accounts.put(carrier, names);
        }
        return accounts;
    }

    private static String text(Function<String, Object> context, String key, String fallback) {
        Object value = context.apply(key);
        return value == null || value.toString().isBlank()
                ? fallback
                : value.toString().strip();
    }

    /** The send queue as the aws module names it, with the receive count it checks at start. */
    public SendQueueSettings sendQueueSettings() {
        return new SendQueueSettings(sendQueue, io.omniservice.aws.AwsStorage.MAX_RECEIVES, false);
    }

    public Tables tables() {
        return new Tables(tablePrefix);
    }

    /** The name of a carrier account's secret, as the Lambda configuration refers to it. */
    public String carrierSecretName(CarrierType carrier, String account) {
        return io.omniservice.aws.secrets.CarrierSecretKeys.secretName(secretsPrefix, carrier, account);
    }

    /**
     * The carrier accounts as the functions' {@code OMNI_CARRIER_ACCOUNTS} carries them,
     * {@code whatsapp=default,sales;twilio=default}: the Lambda configuration refers to one secret per account.
     */
    public String carrierAccountsSpec() {
        StringBuilder spec = new StringBuilder();
        carrierAccounts.forEach((carrier, accounts) -> spec.append(spec.isEmpty() ? "" : ";")
                .append(carrier.wireName())
                .append('=')
                .append(String.join(",", accounts)));
        return spec.toString();
    }

    public String apiSecretName() {
        return secretsPrefix + "api";
    }
}
