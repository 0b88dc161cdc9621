package io.omniservice.infrastructure;

import io.omniservice.aws.dynamo.Tables;
import io.omniservice.aws.dynamo.Tables.Design;
import io.omniservice.aws.queue.SendQueueSettings;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.Priority;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.SecretValue;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.StreamViewType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.FilterCriteria;
import software.amazon.awscdk.services.lambda.FilterRule;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.StartingPosition;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.lambda.eventsources.DynamoEventSource;
import software.amazon.awscdk.services.lambda.eventsources.SqsDlq;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.DeduplicationScope;
import software.amazon.awscdk.services.sqs.FifoThroughputLimit;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.stepfunctions.CatchProps;
import software.amazon.awscdk.services.stepfunctions.Chain;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.Fail;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.RetryProps;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;
import software.amazon.awscdk.services.stepfunctions.Succeed;
import software.amazon.awscdk.services.stepfunctions.TaskInput;
import software.amazon.awscdk.services.stepfunctions.tasks.LambdaInvoke;
import software.constructs.Construct;

/**
 * The whole AWS deployment of Omniservice in one stack: the DynamoDB tables of {@link Tables}, the SQS FIFO send
 * queues {@link io.omniservice.aws.queue.SendQueue} expects, the SNS event topic, the S3 media bucket, a Secrets
 * Manager secret per carrier account, the Lambda functions of the aws-lambda module behind an HTTP API, their
 * stream, queue and schedule triggers, the per-event Step Functions workflow, and the CloudWatch alarms.
 * Every name the code looks up (tables, queues, secrets) comes from the same classes the code uses, so the two
 * cannot drift apart; every map that becomes template content is ordered, so two syntheses are identical.
 */
public final class OmniserviceStack extends Stack {
    /** The states of the workflow, in order; the contract with the step handlers. */
    public static final List<String> STEPS = List.of("Compliance", "MediaConversion", "Rules", "Notification");
    /** Retried with backoff: our handlers' transient failure (a class of the handlers) and Lambda's own. */
    public static final List<String> TRANSIENT_ERRORS = List.of(
            LambdaHandler.PACKAGE + ".OmniserviceRetry",
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException");
    /**
     * Thrown by a step whose conversation still has an earlier event in flight. Java functions report an
     * exception's fully qualified class name as the error, so the names are the handler package's classes.
     */
    public static final String EARLIER_EVENT_PENDING = LambdaHandler.PACKAGE + ".EarlierEventPending";

    /** The CloudWatch metric the outbound router emits (EMF) while a carrier's circuit breaker is open. */
    public static final String METRIC_NAMESPACE = "Omniservice";

    public static final String BREAKER_METRIC = "CarrierBreakerOpen";
    public static final String BREAKER_DIMENSION = "carrier";

    /** The HTTP API stage's limits across all routes. */
    public static final int API_RATE_LIMIT = 500;

    public static final int API_BURST_LIMIT = 1000;
    /** The send queues' visibility timeout: six times the outbound function's, as Lambda advises. */
    public static final int SEND_VISIBILITY_SECONDS = 6 * LambdaHandler.OUTBOUND.timeoutSeconds();

    private final DeploymentSettings settings;
    private final Map<Design, Table> tables = new LinkedHashMap<>();
    private final Map<Priority, Queue> lanes = new EnumMap<>(Priority.class);
    private final Map<LambdaHandler, Function> functions = new EnumMap<>(LambdaHandler.class);
    private final Map<LambdaHandler, Alias> aliases = new EnumMap<>(LambdaHandler.class);
    private final List<Secret> secrets = new ArrayList<>();
    private final Queue deadSends;
    private final Queue streamFailures;
    private final Topic events;
    private final Topic alarms;
    private final Bucket media;
    private final HttpApi api;
    private final StateMachine workflow;

    public OmniserviceStack(Construct scope, String id, StackProps props, DeploymentSettings settings) {
        super(scope, id, props);
        this.settings = settings;
        String prefix = settings.tablePrefix();

        Tables names = settings.tables();
        for (Design design : Tables.ALL) {
            tables.put(design, table(names, design));
        }

        SendQueueSettings queue = settings.sendQueueSettings();
        deadSends = Queue.Builder.create(this, "SendDeadLetters")
                .queueName(queue.deadLetterQueueName())
                .fifo(true)
                .contentBasedDeduplication(false)
                .retentionPeriod(Duration.days(14))
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .build();
        for (Priority lane : Priority.values()) {
            lanes.put(
                    lane,
                    Queue.Builder.create(this, "Send" + capitalized(lane.wireName()))
                            .queueName(queue.queueName(lane))
                            .fifo(true)
                            // every ticket carries its own deduplication id (message id + attempt)
                            .contentBasedDeduplication(false)
                            .deduplicationScope(DeduplicationScope.MESSAGE_GROUP)
                            .fifoThroughputLimit(FifoThroughputLimit.PER_MESSAGE_GROUP_ID)
                            .visibilityTimeout(Duration.seconds(SEND_VISIBILITY_SECONDS))
                            .retentionPeriod(Duration.days(4))
                            .deadLetterQueue(DeadLetterQueue.builder()
                                    .queue(deadSends)
                                    .maxReceiveCount(queue.maxReceiveCount())
                                    .build())
                            .encryption(QueueEncryption.SQS_MANAGED)
                            .enforceSsl(true)
                            .build());
        }
        streamFailures = Queue.Builder.create(this, "StreamFailures")
                .queueName(prefix + "stream-failures")
                .retentionPeriod(Duration.days(14))
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .build();

        // FIFO: a conversation's events reach subscribers in order, and a retried publish is one message
        events = Topic.Builder.create(this, "Events")
                .topicName(prefix + "events.fifo")
                .fifo(true)
                .contentBasedDeduplication(false)
                .enforceSsl(true)
                .build();
        alarms = Topic.Builder.create(this, "Alarms")
                .topicName(prefix + "alarms")
                .enforceSsl(true)
                .build();
        if (settings.alarmEmail() != null) {
            alarms.addSubscription(new EmailSubscription(settings.alarmEmail()));
        }

        media = mediaBucket();
        carrierSecrets();

        Code code = LambdaCode.of(settings);
        for (LambdaHandler handler : LambdaHandler.values()) {
            function(handler, code);
        }
        workflow = workflow(prefix);
        api = httpApi(prefix);
        String publicBaseUrl = settings.publicBaseUrl() != null ? settings.publicBaseUrl() : api.getApiEndpoint();
        for (Function function : functions.values()) {
            function.addEnvironment("OMNI_PUBLIC_BASE_URL", publicBaseUrl);
        }
        functions.get(LambdaHandler.STREAM).addEnvironment("OMNI_STATE_MACHINE_ARN", workflow.getStateMachineArn());
        grants();
        triggers();
        alarms();

        CfnOutput.Builder.create(this, "ApiUrl")
                .value(api.getApiEndpoint())
                .description("Point each carrier's webhook at <ApiUrl>/webhooks/<carrier>")
                .build();
        CfnOutput.Builder.create(this, "EventTopicArn")
                .value(events.getTopicArn())
                .build();
        CfnOutput.Builder.create(this, "MediaBucket")
                .value(media.getBucketName())
                .build();
        CfnOutput.Builder.create(this, "WorkflowArn")
                .value(workflow.getStateMachineArn())
                .build();
    }

    public DeploymentSettings settings() {
        return settings;
    }

    private Table table(Tables names, Design design) {
        Table.Builder table = Table.Builder.create(this, "Table" + constructId(design.suffix()))
                .tableName(names.name(design))
                .partitionKey(attribute(design.partition()))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true)
                        .build())
                .encryption(TableEncryption.AWS_MANAGED)
                .deletionProtection(true)
                .removalPolicy(RemovalPolicy.RETAIN);
        if (design.sort() != null) {
            table.sortKey(attribute(design.sort()));
        }
        if (design.ttlAttribute() != null) {
            table.timeToLiveAttribute(design.ttlAttribute());
        }
        if (design == Tables.CHANGE_EVENTS || design == Tables.DELIVERIES) {
            table.stream(StreamViewType.NEW_IMAGE);
        }
        Table built = table.build();
        for (Tables.Index index : design.indexes()) {
            built.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                    .indexName(index.name())
                    .partitionKey(attribute(index.partition()))
                    .sortKey(attribute(index.sort()))
                    .projectionType(ProjectionType.valueOf(index.projection().name()))
                    .build());
        }
        return built;
    }

    private static Attribute attribute(Tables.Key key) {
        AttributeType type =
                switch (key.type()) {
                    case S -> AttributeType.STRING;
                    case N -> AttributeType.NUMBER;
                    case B -> AttributeType.BINARY;
                    default -> throw new IllegalArgumentException("no key type " + key.type());
                };
        return Attribute.builder().name(key.attribute()).type(type).build();
    }

    /**
     * Media files are kept under their SHA-256 (originals, thumbnails and carrier conversions alike, since a
     * stored message refers to each), so nothing there expires by age; quarantined malware is kept 30 days
     * for inspection, and files untouched for a month move to Intelligent-Tiering.
     */
    private Bucket mediaBucket() {
        return Bucket.Builder.create(this, "Media")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .versioned(false)
                .removalPolicy(RemovalPolicy.RETAIN)
                .lifecycleRules(List.of(
                        LifecycleRule.builder()
                                .id("abort-incomplete-uploads")
                                .abortIncompleteMultipartUploadAfter(Duration.days(1))
                                .build(),
                        LifecycleRule.builder()
                                .id("expire-quarantine")
                                .prefix(io.omniservice.core.media.MediaKeys.QUARANTINE)
                                .expiration(Duration.days(30))
                                .build(),
                        LifecycleRule.builder()
                                .id("tier-after-30-days")
                                .transitions(List.of(Transition.builder()
                                        .storageClass(StorageClass.INTELLIGENT_TIERING)
                                        .transitionAfter(Duration.days(30))
                                        .build()))
                                .build()))
                .build();
    }

    private void carrierSecrets() {
        for (Map.Entry<CarrierType, List<String>> carrier :
                settings.carrierAccounts().entrySet()) {
            CarrierType type = carrier.getKey();
            for (String account : carrier.getValue()) {
                Secret.Builder secret = Secret.Builder.create(
                                this, "Secret" + capitalized(type.wireName()) + constructId(account))
                        .secretName(settings.carrierSecretName(type, account))
                        .description(type.wireName() + " account " + account
                                + ": fill in every FILL_IN with the carrier's value");
                String generated = CarrierSecrets.GENERATED.get(type);
                if (generated != null) {
                    secret.generateSecretString(SecretStringGenerator.builder()
                            .secretStringTemplate(CarrierSecrets.template(type))
                            .generateStringKey(generated)
                            .excludePunctuation(true)
                            .passwordLength(40)
                            .build());
                } else {
                    // placeholders, no secret material: the operator replaces them after the first deploy
                    secret.secretStringValue(SecretValue.unsafePlainText(CarrierSecrets.template(type)));
                }
                secrets.add(secret.build());
            }
        }
        secrets.add(Secret.Builder.create(this, "SecretApi")
                .secretName(settings.apiSecretName())
                .description("the /v1 API's first key (name default); more keys are added in the configuration")
                .generateSecretString(SecretStringGenerator.builder()
                        .secretStringTemplate("{\"name\":\"default\"}")
                        .generateStringKey("key")
                        .excludePunctuation(true)
                        .passwordLength(48)
                        .build())
                .build());
    }

    private void function(LambdaHandler handler, Code code) {
        LogGroup logs = LogGroup.Builder.create(this, handler.id() + "Logs")
                .logGroupName("/aws/lambda/" + handler.functionName(settings.tablePrefix()))
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("OMNI_REGION", getRegion());
        environment.put("OMNI_TABLE_PREFIX", settings.tablePrefix());
        environment.put("OMNI_SEND_QUEUE", settings.sendQueue());
        environment.put("OMNI_EVENT_TOPIC_ARN", events.getTopicArn());
        environment.put("OMNI_MEDIA_BUCKET", media.getBucketName());
        environment.put("OMNI_SECRETS_PREFIX", settings.secretsPrefix());
        // the accounts that have a secret: the functions configure exactly these carriers
        environment.put("OMNI_CARRIER_ACCOUNTS", settings.carrierAccountsSpec());
        Function function = Function.Builder.create(this, handler.id() + "Function")
                .functionName(handler.functionName(settings.tablePrefix()))
                .description("Omniservice " + handler.className())
                .runtime(Runtime.JAVA_21)
                .handler(handler.handler())
                .code(code)
                .memorySize(LambdaHandler.MEMORY_MB)
                .timeout(handler.timeout())
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .tracing(Tracing.ACTIVE)
                .logGroup(logs)
                .environment(environment)
                .build();
        Alias alias = Alias.Builder.create(this, handler.id() + "Live")
                .aliasName("live")
                .version(function.getCurrentVersion())
                .build();
        // CDK warns on every SnapStart function, since it cannot tell whether a version will be published; this
        // one's is, right above, and every trigger calls that version through the alias
        Annotations.of(function)
                .acknowledgeWarning(
                        "@aws-cdk/aws-lambda:snapStartRequirePublish",
                        "published: alias live points at the function's current version");
        functions.put(handler, function);
        aliases.put(handler, alias);
    }

    private StateMachine workflow(String prefix) {
        LambdaInvoke deadLetter = task("DeadLetter", LambdaHandler.DEAD_LETTER_STEP);
        deadLetter.addRetry(transientRetry());
        Chain failed = deadLetter.next(Fail.Builder.create(this, "Failed")
                .error("DeadLettered")
                .cause("a step failed for good; the event is in the dead letters")
                .build());
        List<LambdaHandler> handlers = List.of(
                LambdaHandler.COMPLIANCE_STEP,
                LambdaHandler.MEDIA_STEP,
                LambdaHandler.RULES_STEP,
                LambdaHandler.NOTIFICATION_STEP);
        Chain chain = null;
        for (int i = 0; i < STEPS.size(); i++) {
            LambdaInvoke step = task(STEPS.get(i), handlers.get(i));
            step.addRetry(transientRetry());
            step.addRetry(RetryProps.builder()
                    .errors(List.of(EARLIER_EVENT_PENDING))
                    .interval(Duration.seconds(2))
                    .backoffRate(1.5)
                    .maxAttempts(20)
                    .build());
            step.addCatch(
                    failed,
                    CatchProps.builder()
                            .errors(List.of("States.ALL"))
                            .resultPath("$.error")
                            .build());
            chain = chain == null ? Chain.start(step) : chain.next(step);
        }
        chain = chain.next(Succeed.Builder.create(this, "Done").build());
        LogGroup logs = LogGroup.Builder.create(this, "WorkflowLogs")
                .logGroupName("/aws/vendedlogs/states/" + prefix + "workflow")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        return StateMachine.Builder.create(this, "Workflow")
                .stateMachineName(prefix + "workflow")
                .stateMachineType(StateMachineType.STANDARD)
                .definitionBody(DefinitionBody.fromChainable(chain))
                .tracingEnabled(true)
                // execution data may hold a step's error text: kept out of the logs like message bodies
                .logs(LogOptions.builder()
                        .destination(logs)
                        .level(LogLevel.ALL)
                        .includeExecutionData(false)
                        .build())
                .build();
    }

    private LambdaInvoke task(String name, LambdaHandler handler) {
        return LambdaInvoke.Builder.create(this, name)
                .lambdaFunction(aliases.get(handler))
                .payload(TaskInput.fromJsonPathAt("$"))
                .outputPath("$.Payload")
                .retryOnServiceExceptions(false)
                .build();
    }

    private static RetryProps transientRetry() {
        return RetryProps.builder()
                .errors(TRANSIENT_ERRORS)
                .interval(Duration.seconds(1))
                .backoffRate(2)
                .maxAttempts(5)
                .maxDelay(Duration.seconds(60))
                .build();
    }

    private HttpApi httpApi(String prefix) {
        HttpApi http = HttpApi.Builder.create(this, "Api")
                .apiName(prefix + "api")
                .createDefaultStage(false)
                .build();
        LogGroup accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        HttpStage.Builder.create(this, "ApiStage")
                .httpApi(http)
                .stageName("$default")
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder()
                        .rateLimit(API_RATE_LIMIT)
                        .burstLimit(API_BURST_LIMIT)
                        .build())
                .accessLogSettings(new IAccessLogSettings() {
                    @Override
                    public software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination getDestination() {
                        return new LogGroupLogDestination(accessLogs);
                    }

                    @Override
                    public AccessLogFormat getFormat() {
                        // no query strings, headers or bodies: webhook URLs and payloads may carry tokens
                        return AccessLogFormat.custom("{\"requestId\":\"$context.requestId\","
                                + "\"ip\":\"$context.identity.sourceIp\",\"time\":\"$context.requestTime\","
                                + "\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\","
                                + "\"length\":\"$context.responseLength\","
                                + "\"latency\":\"$context.integrationLatency\","
                                + "\"integrationError\":\"$context.integrationErrorMessage\"}");
                    }
                })
                .build();
        HttpLambdaIntegration integration = new HttpLambdaIntegration("ApiHandler", aliases.get(LambdaHandler.API));
        Map<String, HttpMethod> routes = new LinkedHashMap<>();
        routes.put("/webhooks/{proxy+}", HttpMethod.ANY);
        routes.put("/v1/{proxy+}", HttpMethod.ANY);
        routes.put("/media/{proxy+}", HttpMethod.GET);
        routes.put("/health/{proxy+}", HttpMethod.GET);
        for (Map.Entry<String, HttpMethod> route : routes.entrySet()) {
            http.addRoutes(AddRoutesOptions.builder()
                    .path(route.getKey())
                    .methods(List.of(route.getValue()))
                    .integration(integration)
                    .build());
        }
        return http;
    }

    private void grants() {
        PolicyStatement queueAttributes = PolicyStatement.Builder.create()
                .actions(List.of("sqs:GetQueueUrl", "sqs:GetQueueAttributes"))
                .resources(allSendQueueArns())
                .build();
        for (Map.Entry<LambdaHandler, Access> entry : Access.matrix().entrySet()) {
            Function function = functions.get(entry.getKey());
            Access access = entry.getValue();
            for (Map.Entry<Design, Boolean> table : access.tables().entrySet()) {
                if (table.getValue()) {
                    tables.get(table.getKey()).grantReadWriteData(function);
                } else {
                    tables.get(table.getKey()).grantReadData(function);
                }
            }
            function.addToRolePolicy(queueAttributes);
            if (access.sendToLanes()) {
                lanes.values().forEach(lane -> lane.grantSendMessages(function));
            }
            if (access.consumeDeadQueue()) {
                deadSends.grantConsumeMessages(function);
            }
            switch (access.bucket()) {
                case READ -> media.grantRead(function);
                case READ_WRITE -> media.grantReadWrite(function);
                case NONE -> {}
            }
            if (access.publishEvents()) {
                events.grantPublish(function);
            }
            if (access.startWorkflow()) {
                workflow.grantStartExecution(function);
            }
            secrets.forEach(secret -> secret.grantRead(function));
        }
    }

    private List<String> allSendQueueArns() {
        List<String> arns = new ArrayList<>();
        lanes.values().forEach(lane -> arns.add(lane.getQueueArn()));
        arns.add(deadSends.getQueueArn());
        return arns;
    }

    private void triggers() {
        aliases.get(LambdaHandler.STREAM)
                .addEventSource(DynamoEventSource.Builder.create(tables.get(Tables.CHANGE_EVENTS))
                        .startingPosition(StartingPosition.TRIM_HORIZON)
                        .filters(List.of(insertsOf(Tables.ChangeEvents.EVENT_ID)))
                        .batchSize(100)
                        // one batch per shard at a time: a conversation's events are started in order
                        .parallelizationFactor(1)
                        .bisectBatchOnError(true)
                        .reportBatchItemFailures(true)
                        .retryAttempts(10)
                        .maxRecordAge(Duration.hours(6))
                        .onFailure(new SqsDlq(streamFailures))
                        .build());
        aliases.get(LambdaHandler.DELIVERY)
                .addEventSource(DynamoEventSource.Builder.create(tables.get(Tables.DELIVERIES))
                        .startingPosition(StartingPosition.TRIM_HORIZON)
                        .filters(List.of(insertsOf(Tables.Deliveries.KIND)))
                        .batchSize(100)
                        .maxBatchingWindow(Duration.seconds(1))
                        .bisectBatchOnError(true)
                        .reportBatchItemFailures(true)
                        .retryAttempts(3)
                        .maxRecordAge(Duration.hours(1))
                        .onFailure(new SqsDlq(streamFailures))
                        .build());
        for (Queue lane : lanes.values()) {
            aliases.get(LambdaHandler.OUTBOUND)
                    .addEventSource(SqsEventSource.Builder.create(lane)
                            .batchSize(10)
                            .reportBatchItemFailures(true)
                            .build());
        }
        Rule.Builder.create(this, "EveryMinute")
                .ruleName(settings.tablePrefix() + "every-minute")
                .description("delivers due callbacks and events, sweeps pending and dead sends")
                .schedule(Schedule.rate(Duration.minutes(1)))
                .targets(List.of(
                        new LambdaFunction(aliases.get(LambdaHandler.DELIVERY), scheduled()),
                        new LambdaFunction(aliases.get(LambdaHandler.SWEEP), scheduled())))
                .build();
    }

    /** The next minute runs again anyway: a missed tick is not retried. */
    private static LambdaFunctionProps scheduled() {
        return LambdaFunctionProps.builder()
                .retryAttempts(0)
                .maxEventAge(Duration.minutes(1))
                .build();
    }

    /**
     * INSERT records of items that have {@code attribute}: the table's own items rather than its per-partition
     * head item (which has none of them), so a head's insert starts nothing.
     */
    private static Map<String, Object> insertsOf(String attribute) {
        Map<String, Object> exists = new LinkedHashMap<>();
        exists.put("exists", true);
        Map<String, Object> string = new LinkedHashMap<>();
        string.put("S", List.of(exists));
        Map<String, Object> newImage = new LinkedHashMap<>();
        newImage.put(attribute, string);
        Map<String, Object> dynamodb = new LinkedHashMap<>();
        dynamodb.put("NewImage", newImage);
        Map<String, Object> pattern = new LinkedHashMap<>();
        pattern.put("eventName", FilterRule.isEqual("INSERT"));
        pattern.put("dynamodb", dynamodb);
        return FilterCriteria.filter(pattern);
    }

    private void alarms() {
        SnsAction notify = new SnsAction(alarms);
        alarm(
                "SendDeadLettersAlarm",
                deadSends.metricApproximateNumberOfMessagesVisible(minutes(5, "Maximum")),
                1,
                "sends SQS gave up on after " + settings.sendQueueSettings().maxReceiveCount() + " receives wait in "
                        + deadSends.getQueueName(),
                notify);
        alarm(
                "StreamFailuresAlarm",
                streamFailures.metricApproximateNumberOfMessagesVisible(minutes(5, "Maximum")),
                1,
                "stream records the stream or delivery function could not process wait in the failure queue",
                notify);
        for (LambdaHandler handler : LambdaHandler.values()) {
            Function function = functions.get(handler);
            alarm(
                    handler.id() + "ErrorsAlarm",
                    function.metricErrors(minutes(5, "Sum")),
                    1,
                    handler.className() + " failed invocations",
                    notify);
            alarm(
                    handler.id() + "ThrottlesAlarm",
                    function.metricThrottles(minutes(5, "Sum")),
                    1,
                    handler.className() + " was throttled",
                    notify);
        }
        for (LambdaHandler handler : List.of(LambdaHandler.STREAM, LambdaHandler.DELIVERY)) {
            alarm(
                    handler.id() + "IteratorAgeAlarm",
                    aliases.get(handler).metric("IteratorAge", minutes(1, "Maximum")),
                    60_000,
                    handler.className() + " is more than a minute behind its stream",
                    notify);
        }
        alarm(
                "WorkflowFailedAlarm",
                workflow.metricFailed(minutes(5, "Sum")),
                1,
                "workflow executions failed (their events are in the dead letters)",
                notify);
        for (CarrierType carrier : CarrierType.values()) {
            Map<String, String> dimensions = new LinkedHashMap<>();
            dimensions.put(BREAKER_DIMENSION, carrier.wireName());
            alarm(
                    "BreakerOpen" + capitalized(carrier.wireName()) + "Alarm",
                    Metric.Builder.create()
                            .namespace(METRIC_NAMESPACE)
                            .metricName(BREAKER_METRIC)
                            .dimensionsMap(dimensions)
                            .statistic("Maximum")
                            .period(Duration.minutes(1))
                            .build(),
                    1,
                    carrier.wireName() + "'s circuit breaker is open: its sends wait or go to another carrier",
                    notify);
        }
    }

    private void alarm(String id, IMetric metric, double threshold, String description, SnsAction notify) {
        Alarm alarm = Alarm.Builder.create(this, id)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .alarmDescription(description)
                .build();
        alarm.addAlarmAction(notify);
    }

    private static MetricOptions minutes(int minutes, String statistic) {
        return MetricOptions.builder()
                .period(Duration.minutes(minutes))
                .statistic(statistic)
                .build();
    }

    private static String capitalized(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /** {@code change-events} → {@code ChangeEvents}, for construct ids. */
    private static String constructId(String name) {
        StringBuilder id = new StringBuilder();
        for (String part : name.split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                id.append(capitalized(part));
            }
        }
        return id.toString();
    }
}
