package io.omniservice.aws;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where the AWS mode keeps everything: the DynamoDB tables (under one name prefix), the SQS FIFO send
 * queue, the SNS topic events go to, in one region. On AWS the endpoints are left out and credentials come
 * from the default chain (environment, container or instance role); against emulators each service gets
 * its endpoint and fixed credentials. Checked when built, so a bad configuration fails at start-up.
 *
 * @param region the region of every service, e.g. {@code eu-west-1}
 * @param tablePrefix prefixed to every table name, so several deployments share an account
 * @param createTables create missing tables, indexes and queues at start (emulators, a first run); in a
 *     deployment the infrastructure creates them and this stays off
 * @param sendQueue the name the SQS FIFO send queues are made from: {@code <name>-high.fifo},
 *     {@code -normal.fifo}, {@code -low.fifo} and their dead-letter queue {@code <name>-dead.fifo}
 * @param eventTopicArn the SNS topic every published event also goes to; {@code null} for none
 * @param endpoints per service ({@code dynamodb}, {@code sqs}, {@code sns}, {@code secretsmanager}), the
 *     base URL of an emulator or a VPC endpoint; a service left out uses AWS's own
 * @param accessKeyId with {@code secretAccessKey}, fixed credentials; both {@code null} means the default chain
 * @param secretAccessKey see {@code accessKeyId}; never printed by {@link #toString()}
 */
public record AwsSettings(
        String region,
        String tablePrefix,
        boolean createTables,
        String sendQueue,
        String eventTopicArn,
        Map<String, URI> endpoints,
        String accessKeyId,
        String secretAccessKey) {

    /** The services an endpoint may be given for. */
    public static final Set<String> SERVICES = Set.of("dynamodb", "sqs", "sns", "secretsmanager");

    public AwsSettings {
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("region must be set, e.g. us-east-1");
        }
        tablePrefix = tablePrefix == null ? "" : tablePrefix;
        if (!tablePrefix.matches("[A-Za-z0-9_.-]{0,100}")) {
            throw new IllegalArgumentException(
                    "tablePrefix may hold only letters, digits, '_', '-' and '.' (DynamoDB table names), got '"
                            + tablePrefix + "'");
        }
        new io.omniservice.aws.queue.SendQueueSettings(sendQueue, 10, false); // checks the name
        if (eventTopicArn != null && !eventTopicArn.startsWith("arn:")) {
            throw new IllegalArgumentException(
                    "eventTopicArn must be an SNS topic ARN (arn:aws:sns:...), got '" + eventTopicArn + "'");
        }
        Map<String, URI> checked = new TreeMap<>(endpoints == null ? Map.of() : endpoints);
        for (var endpoint : checked.entrySet()) {
            if (!SERVICES.contains(endpoint.getKey())) {
                throw new IllegalArgumentException("endpoints." + endpoint.getKey()
                        + " is not a service of the AWS mode; one of " + new java.util.TreeSet<>(SERVICES));
            }
            URI url = endpoint.getValue();
            if (url == null
                    || !url.isAbsolute()
                    || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                    || url.getHost() == null) {
                throw new IllegalArgumentException(
                        "endpoints." + endpoint.getKey() + " must be an absolute http(s) URL, got '" + url + "'");
            }
        }
        endpoints = java.util.Collections.unmodifiableMap(checked);
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException(
                    "accessKeyId and secretAccessKey must be set together, or both left out for the default chain");
        }
    }

    @Override
    public String toString() {
        return ("AwsSettings[region=%s, tablePrefix=%s, createTables=%s, sendQueue=%s, eventTopicArn=%s,"
                        + " endpoints=%s, accessKeyId=%s, secretAccessKey=%s]")
                .formatted(
                        region,
                        tablePrefix,
                        createTables,
                        sendQueue,
                        eventTopicArn,
                        endpoints,
                        accessKeyId,
                        secretAccessKey == null ? null : "***");
    }
}
