package io.omniservice.infrastructure;

import io.omniservice.aws.dynamo.Tables;
import io.omniservice.aws.dynamo.Tables.Design;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each function may touch: the least-privilege grants of the deployment, written down once here and
 * asserted against the synthesized IAM policies by the tests.
 *
 * <p>Every function builds the same {@code AwsStorage} at init, which draws its instance number from a counter
 * in {@code settings} (an UpdateItem) and checks that the four send queues exist and redrive as expected
 * (GetQueueUrl, GetQueueAttributes); and every function reads the same gateway configuration, whose carrier
 * credentials and signing secrets are Secrets Manager references resolved at init. So every function may
 * read and write {@code settings}, read the queues' attributes and read the carrier and API secrets. Past
 * that:
 *
 * <table>
 *   <caption>grants per function (RW read and write, R read only)</caption>
 *   <tr><th>function</th><th>tables</th><th>send queues</th><th>other</th></tr>
 *   <tr><td>Api</td><td>RW all eleven</td><td>send (accepted sends)</td><td>media bucket R (GET /media)</td></tr>
 *   <tr><td>Stream</td><td>R change-events</td><td>none</td><td>StartExecution of the workflow</td></tr>
 *   <tr><td>ComplianceStep, RulesStep</td><td>RW the workflow's tables and sends</td><td>send (auto-replies)</td>
 *       <td></td></tr>
 *   <tr><td>MediaStep</td><td>RW the workflow's tables</td><td>none</td><td>media bucket RW (originals,
 *       thumbnails, quarantine)</td></tr>
 *   <tr><td>NotificationStep</td><td>RW the workflow's tables</td><td>none</td><td>publish to the event
 *       topic</td></tr>
 *   <tr><td>DeadLetterStep</td><td>RW the workflow's tables</td><td>none</td><td></td></tr>
 *   <tr><td>Outbound</td><td>RW the workflow's tables and sends</td><td>consume (its event sources) and
 *       send (the conversation's next send)</td><td>media bucket RW (conversions for a carrier)</td></tr>
 *   <tr><td>Delivery</td><td>RW deliveries, dead-letters; R published-events, messages</td><td>none</td>
 *       <td></td></tr>
 *   <tr><td>Sweep</td><td>RW the workflow's tables and sends</td><td>send; consume the dead-letter
 *       queue</td><td></td></tr>
 * </table>
 *
 * <p>"The workflow's tables" are those a step's commit may write: messages, keys, status-history,
 * conversations, participants, change-events, published-events, deliveries and dead-letters (a status change
 * queues a callback, a publish writes the event log and the subscriptions' deliveries, a step that fails for
 * good writes a dead letter). Only the API, the two auto-replying steps, the outbound router and the sweep
 * accept or finish sends, so only they write {@code sends}. No function may delete the bucket's objects but
 * those that write them, no function but the stream processor may start executions, and only the
 * notification step publishes.
 *
 * @param tables the tables and whether the function writes ({@code true}) or only reads them
 * @param sendToLanes may put tickets in the three send queues
 * @param consumeLanes receives from the three send queues (granted by its event sources)
 * @param consumeDeadQueue may receive from and delete in the send dead-letter queue
 * @param bucket what the function may do with the media bucket
 * @param publishEvents may publish to the event topic
 * @param startWorkflow may start executions of the workflow
 */
public record Access(
        Map<Design, Boolean> tables,
        boolean sendToLanes,
        boolean consumeLanes,
        boolean consumeDeadQueue,
        BucketAccess bucket,
        boolean publishEvents,
        boolean startWorkflow) {

    /** What a function may do with the media bucket. */
    public enum BucketAccess {
        NONE,
        READ,
        READ_WRITE
    }

    private static final boolean RW = true;
    private static final boolean R = false;

    /** The tables a step's commit may write (see the class comment). */
    static final List<Design> WORKFLOW_TABLES = List.of(
            Tables.MESSAGES,
            Tables.KEYS,
            Tables.STATUS_HISTORY,
            Tables.CONVERSATIONS,
            Tables.PARTICIPANTS,
            Tables.CHANGE_EVENTS,
            Tables.PUBLISHED_EVENTS,
            Tables.DELIVERIES,
            Tables.DEAD_LETTERS);

    public Access {
        Map<Design, Boolean> ordered = new LinkedHashMap<>();
        for (Design table : Tables.ALL) {
            if (tables.containsKey(table)) {
                ordered.put(table, tables.get(table));
            }
        }
        // AwsStorage.open draws the instance number from the settings table in every function
        ordered.put(Tables.SETTINGS, RW);
        tables = Collections.unmodifiableMap(ordered);
    }

    /** Whether the function may write {@code table}. */
    public boolean writes(Design table) {
        return Boolean.TRUE.equals(tables.get(table));
    }

    /** Whether the function may read {@code table} (every table it writes it may read). */
    public boolean reads(Design table) {
        return tables.containsKey(table);
    }

    /** The grants of every function, in {@link LambdaHandler} order. */
    public static Map<LambdaHandler, Access> matrix() {
        Map<LambdaHandler, Access> matrix = new EnumMap<>(LambdaHandler.class);
        Map<Design, Boolean> all = tables(Tables.ALL, RW);
        Map<Design, Boolean> workflow = tables(WORKFLOW_TABLES, RW);
        Map<Design, Boolean> workflowAndSends = new LinkedHashMap<>(workflow);
        workflowAndSends.put(Tables.SENDS, RW);

        matrix.put(LambdaHandler.API, new Access(all, true, false, false, BucketAccess.READ, false, false));
        matrix.put(
                LambdaHandler.STREAM,
                new Access(
                        tables(List.of(Tables.CHANGE_EVENTS), R), false, false, false, BucketAccess.NONE, false, true));
        matrix.put(
                LambdaHandler.COMPLIANCE_STEP,
                new Access(workflowAndSends, true, false, false, BucketAccess.NONE, false, false));
        matrix.put(
                LambdaHandler.MEDIA_STEP,
                new Access(workflow, false, false, false, BucketAccess.READ_WRITE, false, false));
        matrix.put(
                LambdaHandler.RULES_STEP,
                new Access(workflowAndSends, true, false, false, BucketAccess.NONE, false, false));
        matrix.put(
                LambdaHandler.NOTIFICATION_STEP,
                new Access(workflow, false, false, false, BucketAccess.NONE, true, false));
        matrix.put(
                LambdaHandler.DEAD_LETTER_STEP,
                new Access(workflow, false, false, false, BucketAccess.NONE, false, false));
        matrix.put(
                LambdaHandler.OUTBOUND,
                new Access(workflowAndSends, true, true, false, BucketAccess.READ_WRITE, false, false));
        Map<Design, Boolean> delivery = new LinkedHashMap<>();
        delivery.put(Tables.MESSAGES, R);
        delivery.put(Tables.PUBLISHED_EVENTS, R);
        delivery.put(Tables.DELIVERIES, RW);
        delivery.put(Tables.DEAD_LETTERS, RW);
        matrix.put(LambdaHandler.DELIVERY, new Access(delivery, false, false, false, BucketAccess.NONE, false, false));
        matrix.put(
                LambdaHandler.SWEEP, new Access(workflowAndSends, true, false, true, BucketAccess.NONE, false, false));
        return matrix;
    }

    private static Map<Design, Boolean> tables(List<Design> designs, boolean write) {
        Map<Design, Boolean> tables = new LinkedHashMap<>();
        for (Design design : designs) {
            tables.put(design, write);
        }
        return tables;
    }
}
