package io.omniservice.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.aws.secrets.CarrierSecretKeys;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's configuration of a Lambda function, made from the environment the CDK app gives every function
 * (no file is bundled): the AWS storage, the media bucket, the public URL carriers call, the API key and one
 * carrier account per secret the deployment made ({@code OMNI_CARRIER_ACCOUNTS}), each key of which is a
 * {@code secretsmanager:} reference that the configuration loader resolves at start. The result is handed to the
 * same loader the JVM uses, so every check of the file applies here too.
 *
 * <p>Read by the functions: {@code OMNI_REGION}, {@code OMNI_TABLE_PREFIX}, {@code OMNI_SEND_QUEUE},
 * {@code OMNI_EVENT_TOPIC_ARN}, {@code OMNI_MEDIA_BUCKET}, {@code OMNI_SECRETS_PREFIX}, {@code OMNI_PUBLIC_BASE_URL},
 * {@code OMNI_CARRIER_ACCOUNTS} ({@code whatsapp=default,sales;twilio=default}), and {@code OMNI_SETTINGS}: a JSON
 * object of the configuration file's other settings (retries, breaker, rules, routing, limits, a carrier account's
 * {@code apiBaseUrl}, the secrets' {@code cacheTtlSeconds}, ...), merged over the generated ones; what the
 * deployment owns (storage, where secrets are read, API keys, the public URL, the node id, the media bucket) is
 * refused there. For stand-ins only (never set by
 * the deployment): {@code OMNI_ENDPOINTS} ({@code dynamodb=http://…,sqs=…,sns=…,secretsmanager=…,s3=…}),
 * {@code OMNI_ACCESS_KEY_ID}, {@code OMNI_SECRET_ACCESS_KEY} and {@code OMNI_CREATE_TABLES}.
 */
public final class LambdaConfiguration {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** What {@code OMNI_SETTINGS} may not set: the deployment gives these, and each instance its own node id. */
    private static final List<String> OWNED = List.of(
            "/storage",
            "/api",
            "/server/publicBaseUrl",
            "/outbound/nodeId",
            "/media/s3",
            "/secrets/secretsManager/region",
            "/secrets/secretsManager/endpoint",
            "/secrets/secretsManager/accessKeyId",
            "/secrets/secretsManager/secretAccessKey");

    private LambdaConfiguration() {}

    /**
     * The configuration as JSON text (which is YAML), for {@code ConfigLoader.readYaml}.
     *
     * @param nodeId names this function instance's leases of sends and deliveries
     */
    public static String yaml(Map<String, String> env, String nodeId) {
        ObjectNode root = JSON.objectNode();
        String region = required(env, "OMNI_REGION");
        String prefix = env.getOrDefault("OMNI_SECRETS_PREFIX", "omniservice/");
        Map<String, String> endpoints = endpoints(env.get("OMNI_ENDPOINTS"));
        String keyId = env.get("OMNI_ACCESS_KEY_ID");
        String secretKey = env.get("OMNI_SECRET_ACCESS_KEY");

        root.putObject("server").put("publicBaseUrl", required(env, "OMNI_PUBLIC_BASE_URL"));

        ObjectNode storage = root.putObject("storage");
        storage.put("mode", "aws");
        ObjectNode aws = storage.putObject("aws");
        aws.put("region", region);
        aws.put("tablePrefix", env.getOrDefault("OMNI_TABLE_PREFIX", "omniservice-"));
        aws.put("sendQueue", env.getOrDefault("OMNI_SEND_QUEUE", "omniservice-sends"));
        aws.put("createTables", Boolean.parseBoolean(env.getOrDefault("OMNI_CREATE_TABLES", "false")));
        if (env.get("OMNI_EVENT_TOPIC_ARN") != null) {
            aws.put("eventTopicArn", env.get("OMNI_EVENT_TOPIC_ARN"));
        }
        ObjectNode awsEndpoints = JSON.objectNode();
        for (String service : List.of("dynamodb", "sqs", "sns")) {
            if (endpoints.containsKey(service)) {
                awsEndpoints.put(service, endpoints.get(service));
            }
        }
        if (!awsEndpoints.isEmpty()) {
            aws.set("endpoints", awsEndpoints);
        }
        credentials(aws, keyId, secretKey);

        ObjectNode secrets = root.putObject("secrets").putObject("secretsManager");
        secrets.put("region", region);
        if (endpoints.containsKey("secretsmanager")) {
            secrets.put("endpoint", endpoints.get("secretsmanager"));
        }
        credentials(secrets, keyId, secretKey);

        ObjectNode key = root.putObject("api").putArray("keys").addObject();
        key.put("name", "secretsmanager:" + prefix + "api#name");
        key.put("key", "secretsmanager:" + prefix + "api#key");

        root.putObject("outbound").put("nodeId", nodeId);

        ObjectNode s3 = root.putObject("media").putObject("s3");
        s3.put("bucket", required(env, "OMNI_MEDIA_BUCKET"));
        s3.put("region", region);
        if (endpoints.containsKey("s3")) {
            s3.put("endpoint", endpoints.get("s3"));
        }
        credentials(s3, keyId, secretKey);

        ObjectNode carriers = root.putObject("carriers");
        accounts(env.getOrDefault("OMNI_CARRIER_ACCOUNTS", "")).forEach((carrier, accounts) -> {
            ObjectNode byAccount = carriers.putObject(carrier.wireName());
            for (String account : accounts) {
                ObjectNode settings = byAccount.putObject(account);
                String secret = CarrierSecretKeys.secretName(prefix, carrier, account);
                for (String name : CarrierSecretKeys.KEYS.get(carrier)) {
                    settings.put(name, "secretsmanager:" + secret + "#" + name);
                }
            }
        });
        String settings = env.get("OMNI_SETTINGS");
        if (settings != null && !settings.isBlank()) {
            merge(root, settings(settings));
        }
        return root.toString();
    }

    private static ObjectNode settings(String text) {
        JsonNode settings;
        try {
            settings = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException("OMNI_SETTINGS", "is not JSON: " + e.getOriginalMessage());
        }
        if (!(settings instanceof ObjectNode object)) {
            throw new ConfigException("OMNI_SETTINGS", "must be a JSON object of configuration settings");
        }
        for (String owned : OWNED) {
            if (!object.at(owned).isMissingNode()) {
                throw new ConfigException(
                        "OMNI_SETTINGS",
                        "may not set " + owned.substring(1).replace('/', '.')
                                + ": the deployment gives it (see the README's Lambda configuration)");
            }
        }
        return object;
    }

    /** {@code over}'s values replace {@code into}'s; objects are merged key by key, anything else replaced. */
    private static void merge(ObjectNode into, ObjectNode over) {
        for (Map.Entry<String, JsonNode> field : over.properties()) {
            JsonNode mine = into.get(field.getKey());
            if (mine instanceof ObjectNode mineObject && field.getValue() instanceof ObjectNode theirs) {
                merge(mineObject, theirs);
            } else {
                into.set(field.getKey(), field.getValue());
            }
        }
    }

    /**
     * The accounts of {@code whatsapp=default,sales;twilio=default}: exactly the ones named (a carrier left out
     * has none, as the deployment made no secret for it).
     */
    static Map<CarrierType, List<String>> accounts(String spec) {
        Map<CarrierType, List<String>> accounts = new LinkedHashMap<>();
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            String[] carrierAndAccounts = part.split("=", 2);
            String name = carrierAndAccounts[0].strip();
            CarrierType carrier = CarrierType.fromWireName(name)
                    .orElseThrow(() -> new ConfigException("OMNI_CARRIER_ACCOUNTS", "unknown carrier '" + name + "'"));
            if (carrierAndAccounts.length < 2 || carrierAndAccounts[1].isBlank()) {
                throw new ConfigException(
                        "OMNI_CARRIER_ACCOUNTS", "'" + part + "' must read carrier=account[,account]");
            }
            List<String> names = new ArrayList<>();
            for (String account : carrierAndAccounts[1].split(",")) {
                if (!account.isBlank()) {
                    names.add(account.strip());
                }
            }
            accounts.put(carrier, names);
        }
        return accounts;
    }

    private static Map<String, String> endpoints(String spec) {
        Map<String, String> endpoints = new LinkedHashMap<>();
        if (spec == null) {
            return endpoints;
        }
        for (String part : spec.split(",")) {
            String[] serviceAndUrl = part.split("=", 2);
            if (serviceAndUrl.length == 2) {
                endpoints.put(serviceAndUrl[0].strip(), serviceAndUrl[1].strip());
            }
        }
        return endpoints;
    }

    private static void credentials(ObjectNode section, String keyId, String secretKey) {
        if (keyId != null && secretKey != null) {
            section.put("accessKeyId", keyId);
            section.put("secretAccessKey", secretKey);
        }
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new ConfigException(name, "is required (the deployment sets it on every function)");
        }
        return value;
    }
}
