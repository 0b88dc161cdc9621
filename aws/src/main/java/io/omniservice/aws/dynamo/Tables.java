package io.omniservice.aws.dynamo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The DynamoDB tables of the AWS mode, in one place: their names under a prefix, their keys, indexes and TTL
 * attributes, and how to create them. Every store adapter of the {@code aws} module names attributes through
 * the constants here. The README's "The AWS mode → Table design" says why each is shaped as it is.
 *
 * <p>Keys that hold times use {@link SortableTime}, so string order is time order; keys that name several
 * things join them with {@code #}.
 */
public final class Tables {
    /** Buckets each hot index key is spread over when nothing else is configured. */
    public static final int DEFAULT_SHARDS = 8;

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.-]{0,200}");

    private final String prefix;
    private final int shards;

    /**
     * The tables named {@code prefix} + each table's name (e.g. {@code omniservice-messages}); {@code shards}
     * is how many buckets a write-sharded index key is spread over. It is fixed once data is written: the
     * readers fan out over exactly this many buckets.
     */
    public Tables(String prefix, int shards) {
        Objects.requireNonNull(prefix, "prefix");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException(
                    "a table name prefix may hold letters, digits, '_', '-' and '.' only (at most 200): " + prefix);
        }
        if (shards < 1 || shards > 64) {
            throw new IllegalArgumentException("shards must be between 1 and 64: " + shards);
        }
        this.prefix = prefix;
        this.shards = shards;
    }

    public Tables(String prefix) {
        this(prefix, DEFAULT_SHARDS);
    }

    public int shards() {
        return shards;
    }

    /** The bucket of a write-sharded index key that {@code id}'s item goes to: fixed for the item's life. */
    public int shardOf(String id) {
        return Math.floorMod(id.hashCode(), shards);
    }

    /** The table's full name. */
    public String name(Design table) {
        return prefix + table.suffix();
    }

    // ---- the tables ---------------------------------------------------------------------------------------

    /**
     * Messages, one item each, in their conversation's partition, oldest first: the seed's Messages table.
     * Its sort key leads with the creation time (the seed's is the message id alone) so that one Query reads
     * a conversation in the order the port promises; the id keeps it unique. The two seed indexes are
     * write-sharded ({@code carrier#bucket}, {@code status#bucket}): readers query every bucket and merge.
     */
    public static final class Messages {
        public static final String CONVERSATION_ID = "conversationId";
        /** {@code <created>#<messageId>}: the sort key, and the sort key of both indexes. */
        public static final String MESSAGE_KEY = "messageKey";

        public static final String CARRIER_INDEX = "carrier-timestamp-index";
        /** {@code <carrier>#<bucket>} */
        public static final String CARRIER_SHARD = "carrierShard";

        public static final String STATUS_INDEX = "status-created-index";
        /** {@code <status>#<bucket>}; rewritten with the status, in the same update. */
        public static final String STATUS_SHARD = "statusShard";

        public static final String MESSAGE_ID = "messageId";
        public static final String DIRECTION = "direction";
        public static final String CARRIER = "carrier";
        public static final String ACCOUNT = "account";
        public static final String CARRIER_MESSAGE_ID = "carrierMessageId";
        public static final String SENDER = "sender";
        public static final String SENDER_NAME = "senderName";
        public static final String RECIPIENT = "recipient";
        /** The content as JSON text. */
        public static final String CONTENT = "content";

        public static final String STATUS = "status";
        public static final String CREATED_AT = "createdAt";
        public static final String SENT_AT = "sentAt";
        public static final String DELIVERED_AT = "deliveredAt";
        public static final String READ_AT = "readAt";
        public static final String ERROR_CODE = "errorCode";
        public static final String ERROR_MESSAGE = "errorMessage";
        /** The metadata as JSON text. */
        public static final String METADATA = "metadata";
        /** The API client that sent an outbound message; absent for inbound ones (shared). */
        public static final String CLIENT_ID = "clientId";
        /** Where each status change of an outbound message is POSTed: a commit that moves it queues a delivery. */
        public static final String CALLBACK_URL = "callbackUrl";
        /** Which rules fired for the message, as JSON text. */
        public static final String RULES_FIRED = "rulesFired";

        private Messages() {}
    }

    /**
     * Unique keys, one item per key, each written with {@code attribute_not_exists} in the transaction it
     * guards (SQL's unique constraints):
     *
     * <ul>
     *   <li>{@code message#<messageId>}: where the message is ({@code conversationId}, {@code messageKey}), so
     *       it is read by id strongly consistently right after its commit (an index would be eventually so);
     *   <li>{@code carrier#<carrier>#<carrierMessageId>}: the "seen" item. Present with {@code messageId}
     *       once the message is stored, which is how a carrier's retry is told; present without it while
     *       statuses for it arrived first ({@code earlyReports} counts them, and the message's commit is
     *       conditional on the count it read, so no early status is missed);
     *   <li>{@code idempotency#<principal>#<key>}: the answer to a repeated send request;
     *   <li>{@code replay#<scope>#<sha-256 of the token>}: a one-time webhook token, until it expires;
     *   <li>{@code rate#<client>}: an API client's rate bucket ({@code state}, Bucket4j's bytes), every node's
     *       requests taking from it, until a while after it would be full again.
     * </ul>
     */
    public static final class Keys {
        public static final String KEY = "key";
        public static final String MESSAGE_ID = "messageId";
        public static final String CONVERSATION_ID = "conversationId";
        public static final String MESSAGE_KEY = "messageKey";
        public static final String EARLY_REPORTS = "earlyReports";
        /** Epoch seconds after which DynamoDB may delete the item (replay tokens; idempotency keys are kept). */
        public static final String EXPIRES_AT = "expiresAt";
        /** A rate bucket's state, as Bucket4j serializes it. */
        public static final String STATE = "state";
        /** An idempotency key's: the digest of the request that used it first, and the answer it got. */
        public static final String REQUEST_HASH = "requestHash";

        public static final String RESPONSE = "response";
        public static final String CREATED_AT = "createdAt";

        public static String message(String messageId) {
            return "message#" + messageId;
        }

        public static String rateBucket(String client) {
            return "rate#" + client;
        }

        public static String seen(String carrier, String carrierMessageId) {
            return "carrier#" + carrier + "#" + carrierMessageId;
        }

        public static String idempotency(String principal, String key) {
            return "idempotency#" + principal + "#" + key;
        }

        public static String replay(String scope, String tokenHash) {
            return "replay#" + scope + "#" + tokenHash;
        }

        private Keys() {}
    }

    /**
     * Every status report, under the carrier's id for its message ({@code carrier#<carrier>#<carrierMessageId>})
     * or, for the gateway's own reports on a message we send, under the message ({@code message#<messageId>});
     * a message's history is the two read together. Kept by the carrier's
     * id, a report that arrives before its message needs no moving when the message comes: the message's
     * commit reads its history where it is. The sort key is the report's identity, so a repeat is refused by
     * {@code attribute_not_exists}.
     */
    public static final class StatusHistory {
        public static final String SUBJECT = "subject";
        /** {@code <occurredAt>#<status>#<carrierStatus>} */
        public static final String ENTRY = "entry";

        public static final String CARRIER_MESSAGE_ID = "carrierMessageId";
        public static final String STATUS = "status";
        public static final String CARRIER_STATUS = "carrierStatus";
        public static final String ERROR_CODE = "errorCode";
        public static final String ERROR_MESSAGE = "errorMessage";
        public static final String OCCURRED_AT = "occurredAt";
        /** {@code <recorded>#<index in its commit>}: the order reports of the same time are applied in. */
        public static final String RECORDED = "recorded";

        public static String carrierSubject(String carrier, String carrierMessageId) {
            return "carrier#" + carrier + "#" + carrierMessageId;
        }

        public static String ownSubject(String messageId) {
            return "message#" + messageId;
        }

        private StatusHistory() {}
    }

    /**
     * Conversations: the seed's table. Listing all of them newest activity first reads the write-sharded
     * {@code activity-index} ({@code <bucket>}, {@code <lastMessageAt>#<conversationId>}) and merges the
     * buckets. A joined alias's conversation is deleted in the join's transaction.
     */
    public static final class Conversations {
        public static final String CONVERSATION_ID = "conversationId";

        public static final String ACTIVITY_INDEX = "activity-index";
        public static final String ACTIVITY_SHARD = "activityShard";
        /** {@code <lastMessageAt>#<conversationId>}, rewritten with the activity. */
        public static final String ACTIVITY_KEY = "activityKey";

        public static final String PARTICIPANT = "participant";
        public static final String CARRIER = "carrier";
        public static final String STATE = "state";
        public static final String CREATED_AT = "createdAt";
        public static final String LAST_MESSAGE_AT = "lastMessageAt";
        public static final String MESSAGE_COUNT = "messageCount";
        /**
         * When the customer last wrote on WhatsApp (ConversationActivity); NULL while they have not. Absent on a
         * conversation last counted before it was kept: its messages are then read instead.
         */
        public static final String LAST_WHATSAPP_INBOUND_AT = "lastWhatsAppInboundAt";

        public static final String METADATA = "metadata";
        /** A list of strings, in the order they were added. */
        public static final String TAGS = "tags";

        private Conversations() {}
    }

    /**
     * What is kept per participant key: {@code link} (this key is an alias of {@code linkedTo}, whose
     * conversation it joins) and {@code optout#<channel>} (opted out with {@code keyword} at
     * {@code optedOutAt}). One Query reads a participant's opt-outs.
     */
    public static final class Participants {
        public static final String PARTICIPANT = "participant";
        public static final String ENTRY = "entry";
        public static final String LINK = "link";
        public static final String OPT_OUT_PREFIX = "optout#";
        /** The entry saying which contact holds this participant as an identity ({@link #CONTACT_ID}). */
        public static final String CONTACT = "contact";

        public static final String LINKED_TO = "linkedTo";
        public static final String LINKED_AT = "linkedAt";
        public static final String KEYWORD = "keyword";
        public static final String OPTED_OUT_AT = "optedOutAt";
        public static final String CONTACT_ID = "contactId";

        private Participants() {}
    }

    /**
     * The outbox: the change events each commit writes, in their conversation's partition by {@code seq}, a
     * number unique in the table that grows in commit order within the conversation. The item at seq 0 is
     * the conversation's feed head ({@code lastSeq}, and {@code pending}: how many events wait); a commit that
     * writes events advances it conditionally on the values it read, and so does the write that ends an event,
     * so a skewed clock cannot reorder a conversation and a commit always knows whether its events are first.
     * {@code due-index} (sparse) holds each conversation's first pending event only, keyed by when it may be
     * taken next ({@code dueKey}: its retry time, or its lease's end while a node holds it, so an expired lease
     * is found there too); ending it puts the next one there, and deletes the head when nothing is left.
     * {@code owner-index} (sparse) holds a node's leased events, for its restart. DynamoDB Streams on this
     * table is the seed's stream.
     */
    public static final class ChangeEvents {
        public static final String CONVERSATION_ID = "conversationId";
        public static final String SEQ = "seq";
        /** The feed head's attribute: the conversation's last seq. */
        public static final String LAST_SEQ = "lastSeq";
        /** The feed head's attribute: how many of the conversation's events are pending (absent: none). */
        public static final String PENDING = "pending";

        public static final String DUE_INDEX = "due-index";
        public static final String DUE_SHARD = "dueShard";
        /** {@code <nextAttemptAt>#<seq, 19 digits>} */
        public static final String DUE_KEY = "dueKey";

        public static final String OWNER_INDEX = "owner-index";
        public static final String LEASE_OWNER = "leaseOwner";
        public static final String LEASE_UNTIL = "leaseUntil";
        /** When a failed step runs again (absent: due since it was written). */
        public static final String NEXT_ATTEMPT_AT = "nextAttemptAt";

        public static final String EVENT_ID = "eventId";
        public static final String TYPE = "type";
        public static final String MESSAGE_ID = "messageId";
        /** The event as JSON text ({@code CommitEvent}'s components). */
        public static final String PAYLOAD = "payload";

        public static final String CREATED_AT = "createdAt";
        public static final String STEP = "step";
        public static final String ATTEMPTS = "attempts";
        public static final String CONTEXT = "context";
        public static final String LAST_ERROR = "lastError";

        private ChangeEvents() {}
    }

    /**
     * The log of published events, by gap-free {@code position} in commit order (SSE {@code Last-Event-ID}):
     * partitioned in pages of {@link #PAGE_SIZE} positions so a reader resumes with one Query per page. The
     * head item ({@code page} 0, {@code position} 0) holds the last position; a publish is one transaction
     * that advances the head from the value it read and puts the events at the positions after it, so
     * positions become visible only all together and in order; a conflict is read again and retried.
     */
    public static final class PublishedEvents {
        public static final long PAGE_SIZE = 1_000;
        public static final String PAGE = "page";
        public static final String POSITION = "position";
        /** The head's attribute: the last position given. */
        public static final String LAST_POSITION = "lastPosition";
        /** The head's attribute: the first position not pruned (absent: 1). */
        public static final String KEPT_FROM = "keptFrom";

        public static final String EVENT_ID = "eventId";
        public static final String TYPE = "type";
        public static final String ENVELOPE = "envelope";
        public static final String CLIENT_ID = "clientId";
        public static final String CREATED_AT = "createdAt";
        /** Epoch seconds: the log is pruned by TTL. */
        public static final String EXPIRES_AT = "expiresAt";

        public static long pageOf(long position) {
            return position / PAGE_SIZE;
        }

        private PublishedEvents() {}
    }

    /**
     * A send's records beside the SQS FIFO message that carries it: {@code job} (its plan, priority,
     * schedule, runs, lease and ticket) while it is unfinished, and {@code attempt#<attemptedAt>#<n>} per
     * carrier attempt. Each conversation with unfinished sends also has a line, the partition
     * {@code line#<conversationId>}, one entry per unfinished send ({@code <acceptedAt>#<messageId>}), so one
     * strongly consistent Query gives a conversation's sends in the order they were accepted; only the first
     * that is due goes to SQS (one in flight per conversation, whatever the priorities).
     *
     * <p>A job is the outbox of its SQS ticket: until the ticket is known to be in SQS the job carries
     * {@code pendingShard}/{@code pendingKey}, so the sparse {@code pending-index} lists, per bucket and by when
     * to look at them, the jobs a sweep must enqueue (scheduled ones when due, ones whose enqueue was lost).
     */
    public static final class Sends {
        public static final String MESSAGE_ID = "messageId";
        public static final String ENTRY = "entry";
        public static final String JOB = "job";
        /**
         * A sent message's receipt deadline ({@code options.fallback}): its own item, in {@code pending-index}
         * under {@link #DEADLINE_SHARD_PREFIX} partitions, which a send's sweep, lease or release never reads.
         */
        public static final String DEADLINE = "deadline";
        /** {@code deadline#<bucket>}: the pending-index partitions of receipt deadlines. */
        public static final String DEADLINE_SHARD_PREFIX = "deadline#";

        public static final String ATTEMPT_PREFIX = "attempt#";
        public static final String LINE_PREFIX = "line#";

        public static final String CONVERSATION_ID = "conversationId";
        public static final String PRIORITY = "priority";
        public static final String NOT_BEFORE = "notBefore";
        public static final String EXPIRE_AT = "expireAt";
        public static final String PLAN = "plan";
        public static final String RUNS = "runs";
        public static final String CREATED_AT = "createdAt";
        /** {@code <acceptedAt>#<messageId>}: the job's entry in its conversation's line. */
        public static final String LINE_ENTRY = "lineEntry";
        /** Which SQS ticket of the send is current (its deduplication id is message id + ticket). */
        public static final String TICKET = "ticket";

        public static final String LEASE_OWNER = "leaseOwner";
        public static final String LEASE_UNTIL = "leaseUntil";

        public static final String PENDING_INDEX = "pending-index";
        public static final String PENDING_SHARD = "pendingShard";
        /** {@code <when to look>#<messageId>} */
        public static final String PENDING_KEY = "pendingKey";

        /** The partition of a conversation's line. */
        public static String line(String conversationId) {
            return LINE_PREFIX + conversationId;
        }

        public static final String CARRIER = "carrier";
        public static final String ACCOUNT = "account";
        public static final String ATTEMPTED_AT = "attemptedAt";
        public static final String DURATION_MS = "durationMs";
        public static final String OUTCOME = "outcome";
        public static final String HTTP_STATUS = "httpStatus";
        public static final String ERROR_CODE = "errorCode";
        public static final String ERROR_MESSAGE = "errorMessage";
        /** The address an attempt went to (another identity of the contact when selection went across channels). */
        public static final String SENT_TO = "sentTo";

        private Sends() {}
    }

    /**
     * Outgoing deliveries (status callbacks, subscription events, rules' forwards), in the partition of what
     * keeps their order ({@code orderKey}: a message, or a subscription and conversation), by {@code seq} as
     * change events are, with the same head item ({@code lastSeq}, {@code pending}), {@code due-index} (each
     * order's first delivery only) and {@code owner-index}. A subscription event names its published position
     * instead of copying the envelope.
     */
    public static final class Deliveries {
        public static final String ORDER_KEY = "orderKey";
        public static final String SEQ = "seq";
        public static final String LAST_SEQ = "lastSeq";
        public static final String PENDING = "pending";

        public static final String DUE_INDEX = "due-index";
        public static final String DUE_SHARD = "dueShard";
        public static final String DUE_KEY = "dueKey";
        public static final String OWNER_INDEX = "owner-index";
        public static final String LEASE_OWNER = "leaseOwner";
        public static final String LEASE_UNTIL = "leaseUntil";

        public static final String KIND = "kind";
        public static final String MESSAGE_ID = "messageId";
        public static final String SUBSCRIPTION_ID = "subscriptionId";
        public static final String PUBLISHED_POSITION = "publishedPosition";
        public static final String URL = "url";
        public static final String PAYLOAD = "payload";
        public static final String CLIENT_ID = "clientId";
        public static final String ATTEMPTS = "attempts";
        public static final String NEXT_ATTEMPT_AT = "nextAttemptAt";
        public static final String LAST_ERROR = "lastError";
        public static final String CREATED_AT = "createdAt";

        private Deliveries() {}
    }

    /** Work that ran out of attempts, listed newest first through {@code created-index} (one key: they are few). */
    public static final class DeadLetters {
        public static final String ID = "id";
        public static final String CREATED_INDEX = "created-index";
        /** Always {@link #ALL}: dead letters are rare, one index key is enough. */
        public static final String LISTING = "listing";

        public static final String ALL = "dead-letters";
        /** {@code <createdAt>#<id>} */
        public static final String CREATED_KEY = "createdKey";

        public static final String KIND = "kind";
        public static final String MESSAGE_ID = "messageId";
        public static final String PAYLOAD = "payload";
        public static final String ATTEMPTS = "attempts";
        public static final String LAST_ERROR = "lastError";
        public static final String CREATED_AT = "createdAt";
        public static final String REPLAYED_AT = "replayedAt";

        private DeadLetters() {}
    }

    /**
     * The few things set through the API or made once, each kind one partition read by one strongly consistent
     * Query: {@code routing-rule}, {@code rule}, {@code subscription}, {@code client-secret}, {@code shared-key}.
     * The item holds its record as JSON text ({@code value}) or, for a shared key, the key's bytes.
     */
    public static final class Settings {
        public static final String KIND = "kind";
        public static final String ID = "id";
        public static final String VALUE = "value";
        public static final String CREATED_AT = "createdAt";

        public static final String ROUTING_RULE = "routing-rule";
        public static final String RULE = "rule";
        public static final String SUBSCRIPTION = "subscription";
        public static final String CLIENT_SECRET = "client-secret";
        /** A contact: its display name, creation time and identities in link order, as JSON. */
        public static final String CONTACT = "contact";

        public static final String SHARED_KEY = "shared-key";
        /** A counter ({@link #VALUE}, a number) handed out by atomic additions, e.g. each store instance's number. */
        public static final String COUNTER = "counter";

        private Settings() {}
    }

    // ---- their shape, for create() -------------------------------------------------------------------

    /** One key attribute: its name and whether it is a string or a number. */
    public record Key(String attribute, ScalarAttributeType type) {
        static Key s(String attribute) {
            return new Key(attribute, ScalarAttributeType.S);
        }

        static Key n(String attribute) {
            return new Key(attribute, ScalarAttributeType.N);
        }
    }

    /** A global secondary index: its keys and what it projects. */
    public record Index(String name, Key partition, Key sort, ProjectionType projection) {}

    /** A table: name suffix, keys, indexes and the attribute TTL reads (null: none). */
    public record Design(String suffix, Key partition, Key sort, List<Index> indexes, String ttlAttribute) {
        public Design {
            indexes = List.copyOf(indexes);
        }
    }

    public static final Design MESSAGES = new Design(
            "messages",
            Key.s(Messages.CONVERSATION_ID),
            Key.s(Messages.MESSAGE_KEY),
            List.of(
                    new Index(
                            Messages.CARRIER_INDEX,
                            Key.s(Messages.CARRIER_SHARD),
                            Key.s(Messages.MESSAGE_KEY),
                            ProjectionType.ALL),
                    new Index(
                            Messages.STATUS_INDEX,
                            Key.s(Messages.STATUS_SHARD),
                            Key.s(Messages.MESSAGE_KEY),
                            ProjectionType.ALL)),
            null);

    public static final Design KEYS = new Design("keys", Key.s(Keys.KEY), null, List.of(), Keys.EXPIRES_AT);

    public static final Design STATUS_HISTORY =
            new Design("status-history", Key.s(StatusHistory.SUBJECT), Key.s(StatusHistory.ENTRY), List.of(), null);

    public static final Design CONVERSATIONS = new Design(
            "conversations",
            Key.s(Conversations.CONVERSATION_ID),
            null,
            List.of(new Index(
                    Conversations.ACTIVITY_INDEX,
                    Key.s(Conversations.ACTIVITY_SHARD),
                    Key.s(Conversations.ACTIVITY_KEY),
                    ProjectionType.ALL)),
            null);

    public static final Design PARTICIPANTS =
            new Design("participants", Key.s(Participants.PARTICIPANT), Key.s(Participants.ENTRY), List.of(), null);

    public static final Design CHANGE_EVENTS = new Design(
            "change-events",
            Key.s(ChangeEvents.CONVERSATION_ID),
            Key.n(ChangeEvents.SEQ),
            List.of(
                    new Index(
                            ChangeEvents.DUE_INDEX,
                            Key.s(ChangeEvents.DUE_SHARD),
                            Key.s(ChangeEvents.DUE_KEY),
                            ProjectionType.ALL),
                    new Index(
                            ChangeEvents.OWNER_INDEX,
                            Key.s(ChangeEvents.LEASE_OWNER),
                            Key.n(ChangeEvents.SEQ),
                            ProjectionType.KEYS_ONLY)),
            null);

    public static final Design PUBLISHED_EVENTS = new Design(
            "published-events",
            Key.n(PublishedEvents.PAGE),
            Key.n(PublishedEvents.POSITION),
            List.of(),
            PublishedEvents.EXPIRES_AT);

    public static final Design SENDS = new Design(
            "sends",
            Key.s(Sends.MESSAGE_ID),
            Key.s(Sends.ENTRY),
            List.of(new Index(
                    Sends.PENDING_INDEX, Key.s(Sends.PENDING_SHARD), Key.s(Sends.PENDING_KEY), ProjectionType.ALL)),
            null);

    public static final Design DELIVERIES = new Design(
            "deliveries",
            Key.s(Deliveries.ORDER_KEY),
            Key.n(Deliveries.SEQ),
            List.of(
                    new Index(
                            Deliveries.DUE_INDEX,
                            Key.s(Deliveries.DUE_SHARD),
                            Key.s(Deliveries.DUE_KEY),
                            ProjectionType.ALL),
                    new Index(
                            Deliveries.OWNER_INDEX,
                            Key.s(Deliveries.LEASE_OWNER),
                            Key.n(Deliveries.SEQ),
                            ProjectionType.KEYS_ONLY)),
            null);

    public static final Design DEAD_LETTERS = new Design(
            "dead-letters",
            Key.s(DeadLetters.ID),
            null,
            List.of(new Index(
                    DeadLetters.CREATED_INDEX,
                    Key.s(DeadLetters.LISTING),
                    Key.s(DeadLetters.CREATED_KEY),
                    ProjectionType.ALL)),
            null);

    public static final Design SETTINGS =
            new Design("settings", Key.s(Settings.KIND), Key.s(Settings.ID), List.of(), null);

    /** Every table of the AWS mode. */
    public static final List<Design> ALL = List.of(
            MESSAGES,
            KEYS,
            STATUS_HISTORY,
            CONVERSATIONS,
            PARTICIPANTS,
            CHANGE_EVENTS,
            PUBLISHED_EVENTS,
            SENDS,
            DELIVERIES,
            DEAD_LETTERS,
            SETTINGS);

    /** Whether {@link #create} also turns TTL on (the http4k fake has no UpdateTimeToLive: tests pass false). */
    public enum TimeToLive {
        ENABLE,
        SKIP
    }

    /**
     * Creates every table that does not exist yet, on-demand billing, with its indexes, then turns on TTL where
     * a table has it. For a first start against an empty account (or an emulator); existing tables are left
     * as they are.
     */
    public void create(DynamoDbClient client, TimeToLive timeToLive) {
        Set<String> existing =
                Set.copyOf(client.listTablesPaginator().tableNames().stream().toList());
        List<String> created = new ArrayList<>();
        for (Design table : ALL) {
            String name = name(table);
            if (existing.contains(name)) {
                continue;
            }
            try {
                client.createTable(createRequest(table));
                created.add(name);
            } catch (ResourceInUseException e) {
                // another node created it in the meantime
            }
        }
        for (String name : created) {
            client.waiter().waitUntilTableExists(r -> r.tableName(name));
        }
        if (timeToLive == TimeToLive.ENABLE) {
            for (Design table : ALL) {
                if (table.ttlAttribute() != null && created.contains(name(table))) {
                    try {
                        client.updateTimeToLive(UpdateTimeToLiveRequest.builder()
                                .tableName(name(table))
                                .timeToLiveSpecification(TimeToLiveSpecification.builder()
                                        .enabled(true)
                                        .attributeName(table.ttlAttribute())
                                        .build())
                                .build());
                    } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
                        // an emulator without TTL: reads check expiry themselves, expired items only take room
                        org.slf4j.LoggerFactory.getLogger(Tables.class)
                                .warn(
                                        "TTL not turned on for {}: {}; expired items stay until deleted",
                                        name(table),
                                        e.awsErrorDetails() == null
                                                ? e.getMessage()
                                                : e.awsErrorDetails().errorMessage());
                    }
                }
            }
        }
    }

    /** The CreateTable request of one table. */
    public CreateTableRequest createRequest(Design table) {
        Map<String, ScalarAttributeType> attributes = new LinkedHashMap<>();
        attributes.put(table.partition().attribute(), table.partition().type());
        if (table.sort() != null) {
            attributes.put(table.sort().attribute(), table.sort().type());
        }
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (Index index : table.indexes()) {
            attributes.put(index.partition().attribute(), index.partition().type());
            attributes.put(index.sort().attribute(), index.sort().type());
            indexes.add(GlobalSecondaryIndex.builder()
                    .indexName(index.name())
                    .keySchema(keySchema(index.partition(), index.sort()))
                    .projection(Projection.builder()
                            .projectionType(index.projection())
                            .build())
                    .build());
        }
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(name(table))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(keySchema(table.partition(), table.sort()))
                .attributeDefinitions(attributes.entrySet().stream()
                        .map(a -> AttributeDefinition.builder()
                                .attributeName(a.getKey())
                                .attributeType(a.getValue())
                                .build())
                        .toList());
        if (!indexes.isEmpty()) {
            request.globalSecondaryIndexes(indexes);
        }
        return request.build();
    }

    private static List<KeySchemaElement> keySchema(Key partition, Key sort) {
        List<KeySchemaElement> schema = new ArrayList<>();
        schema.add(KeySchemaElement.builder()
                .attributeName(partition.attribute())
                .keyType(KeyType.HASH)
                .build());
        if (sort != null) {
            schema.add(KeySchemaElement.builder()
                    .attributeName(sort.attribute())
                    .keyType(KeyType.RANGE)
                    .build());
        }
        return schema;
    }
}
