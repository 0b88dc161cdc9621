package io.omniservice.acceptance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processing half of the durability invariant: the gateway is killed with kill -9 while inbound
 * messages are in the middle of their workflows (rules acting, events and forwards on their way, replies
 * queued and at the carrier), restarted on the same data, and what the outside sees is still once per
 * message: one event id per message at a subscriber, one reply message per matching message at the
 * carrier, one forward event per matching message, a tag once; one conversation's events in the order its
 * webhooks came. Repeats are allowed only as the same thing again (same event id, same reply message).
 */
class WorkflowCrashTest {
    private static final String SEND_PATH = "/api/v2/users/" + GatewayProcess.BANDWIDTH_ACCOUNT + "/messages";
    /** Subscriber, forward receiver and carrier all answer this slowly, so deliveries are in flight at the kill. */
    private static final int REMOTE_DELAY_MILLIS = 75;

    /** Clients posting at once, each its own webhooks in order: 24 × 12 webhooks in all. */
    private static final int CLIENTS = 24;

    private static final int WEBHOOKS_PER_CLIENT = 12;
    /** The first clients each post as one sender, one webhook after another: conversations with an order. */
    private static final int SEQUENTIAL_SENDERS = 4;
    /** Between one client's webhooks, so that the kill falls while they are still arriving. */
    private static final Duration CLIENT_PACE = Duration.ofMillis(15);

    private static final String KEYWORD = "HOURS";
    private static final String REPLY = "We are open 9 to 5.";
    private static final String TAG = "hours";

    private static final Duration WAIT_AFTER_RESTART = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    /** One inbound webhook of the plan: the {@code position}th of its client's, who posts them in order. */
    private record Webhook(String carrierMessageId, String from, String text, int position) {
        boolean matchesRule() {
            return text.startsWith(KEYWORD);
        }
    }

    @Test
    void workflowsInterruptedByKillNineActOnceForEveryAnsweredWebhook() throws Exception {
        workflowsSurviveKillNine(directory, GatewayProcess.Setup.embedded(), CLIENTS, WAIT_AFTER_RESTART);
    }

    /**
     * Workflows of a node set up as {@code setup} interrupted by kill -9, restarted, checked once everything
     * arrived or {@code patience} after the restart; {@code clients} post {@value #WEBHOOKS_PER_CLIENT} webhooks
     * each (more than {@value #SEQUENTIAL_SENDERS}).
     */
    static void workflowsSurviveKillNine(Path directory, GatewayProcess.Setup setup, int clients, Duration patience)
            throws Exception {
        workflowsSurviveKillNine(directory, setup, clients, patience, missing -> "");
    }

    /**
     * {@link #workflowsSurviveKillNine(Path, GatewayProcess.Setup, int, Duration)}; when some message has no
     * event at the subscriber after {@code patience}, {@code diagnose} tells what the store holds of those
     * carrier message ids, printed with the gateway's warnings before the test fails.
     */
    static void workflowsSurviveKillNine(
            Path directory,
            GatewayProcess.Setup setup,
            int clients,
            Duration patience,
            java.util.function.Function<Set<String>, String> diagnose)
            throws Exception {
        WireMockServer carrier = new WireMockServer(WireMockConfiguration.options()
                .dynamicPort()
                .containerThreads(64)
                .globalTemplating(true));
        WireMockServer receiver =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().containerThreads(200));
        carrier.start();
        receiver.start();
        carrier.stubFor(post(urlPathEqualTo(SEND_PATH))
                .willReturn(aResponse()
                        .withStatus(202)
                        .withFixedDelay(REMOTE_DELAY_MILLIS)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"id":"{{randomValue length=30 type='ALPHANUMERIC'}}","owner":"+14155550199",
                                 "time":"2026-11-25T12:00:00.000Z","segmentCount":1,"direction":"out",
                                 "to":["{{jsonPath request.body '$.to[0]'}}"],"from":"+14155550199",
                                 "tag":"{{jsonPath request.body '$.tag'}}"}""")));
        receiver.stubFor(post(urlPathEqualTo("/events"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(REMOTE_DELAY_MILLIS)));
        receiver.stubFor(post(urlPathEqualTo("/forward"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(REMOTE_DELAY_MILLIS)));
        try (GatewayProcess gateway = GatewayProcess.start(
                directory,
                setup.sendingThrough("http://127.0.0.1:" + carrier.port())
                        // the subscriber and the forward receiver listen on this machine
                        .withOutbound("callbacks: {allowedNetworks: [127.0.0.0/8]}")
                        .withMoreSections("""
                                processing:
                                  retry: {initialBackoffMillis: 100, maxBackoffSeconds: 1}
                                notifications: {initialBackoffMillis: 100, maxBackoffSeconds: 1}
                                """))) {
            GatewayApi api = new GatewayApi(gateway);
            HttpResponse<String> subscribed =
                    postJson(api, gateway, "/v1/subscriptions", """
                    {"url": "http://127.0.0.1:%d/events", "events": ["message.received"],
                     "secret": "acceptance-subscriber-secret"}""".formatted(receiver.port()));
            assertThat(subscribed.statusCode()).as(subscribed.body()).isEqualTo(201);
            HttpResponse<String> rule =
                    postJson(api, gateway, "/v1/rules", """
                    {"name": "opening hours",
                     "match": {"carriers": ["bandwidth"], "keywords": ["%s"]},
                     "actions": [{"type": "reply", "text": "%s"},
                                 {"type": "tag", "tag": "%s"},
                                 {"type": "forward", "url": "http://127.0.0.1:%d/forward"}]}""".formatted(KEYWORD, REPLY, TAG, receiver.port()));
            assertThat(rule.statusCode()).as(rule.body()).isEqualTo(201);
            String ruleId = GatewayApi.JSON.readTree(rule.body()).path("id").asText();

            List<List<Webhook>> plan = plan(clients);
            Map<String, Webhook> byId = new LinkedHashMap<>();
            plan.forEach(client -> client.forEach(w -> byId.put(w.carrierMessageId(), w)));
            SignedWebhooks webhooks = new SignedWebhooks(gateway);
            HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();

            // until the kill: every client posts its webhooks in order and stops at the first without an answer
            Set<String> answeredBeforeKill = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            int[] resumeAt = new int[clients];
            List<Thread> posters = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int poster = c;
                posters.add(Thread.ofVirtual()
                        .start(() -> resumeAt[poster] =
                                postInOrder(client, webhooks, plan.get(poster), answeredBeforeKill, refused)));
            }
            while (answeredBeforeKill.size() < byId.size() / 2) {
                Thread.sleep(2);
            }
            gateway.kill();
            for (Thread poster : posters) {
                poster.join();
            }
            assertThat(refused.get()).as("webhooks refused before the kill").isZero();
            // what had reached the outside when the process died (requests in flight then are logged a little
            // later: wait until the logs are still, then note which requests the killed process made)
            awaitStill(carrier, receiver);
            int eventsAtKill = requests(receiver, "/events").size();
            int forwardsAtKill = requests(receiver, "/forward").size();
            List<LoggedRequest> sendsAtKill = requests(carrier, SEND_PATH);
            Set<UUID> sentByKilledProcess =
                    sendsAtKill.stream().map(LoggedRequest::getId).collect(Collectors.toSet());
            assertThat(eventsAtKill)
                    .as("events delivered at the kill: fewer than webhooks answered, so workflows were interrupted")
                    .isLessThan(answeredBeforeKill.size());

            gateway.restart();
            Instant restartedAt = Instant.now();
            // the carrier retries what it got no answer for, and posts the rest, each client still in order
            Set<String> answeredAfterRestart = ConcurrentHashMap.newKeySet();
            List<Thread> resumed = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                List<Webhook> rest = plan.get(c).subList(resumeAt[c], WEBHOOKS_PER_CLIENT);
                resumed.add(Thread.ofVirtual()
                        .start(() -> postInOrder(client, webhooks, rest, answeredAfterRestart, refused)));
            }
            for (Thread poster : resumed) {
                poster.join();
            }
            assertThat(refused.get()).as("webhooks refused after the restart").isZero();
            assertThat(answeredBeforeKill.size() + answeredAfterRestart.size())
                    .as("webhooks answered")
                    .isEqualTo(byId.size());
            long matching = byId.values().stream().filter(Webhook::matchesRule).count();
            Instant deadline = restartedAt.plus(patience);
            while (Instant.now().isBefore(deadline) && !arrivedEverywhere(carrier, receiver, byId.values())) {
                Thread.sleep(100);
            }
            Duration settled = Duration.between(restartedAt, Instant.now());
            Set<String> withoutEvent = new java.util.TreeSet<>(byId.keySet());
            withoutEvent.removeAll(eventsByMessage(receiver, "/events").keySet());
            if (!withoutEvent.isEmpty()) {
                // say what became of them before the assertions below fail on it
                explain(
                        gateway,
                        "no event " + settled.toSeconds() + " s after the restart for",
                        withoutEvent,
                        diagnose);
                System.out.println(receivedTwice(receiver));
            }
            // every message has exactly one event id at the subscriber; a repeat is that id again
            List<JsonNode> events = requests(receiver, "/events").stream()
                    .map(WorkflowCrashTest::json)
                    .toList();
            Map<String, Set<String>> eventIds = eventsByMessage(receiver, "/events");
            assertThat(eventIds.keySet())
                    .as("messages with an event at the subscriber")
                    .containsExactlyInAnyOrderElementsOf(byId.keySet());
            assertThat(eventIds)
                    .as("event ids of each message")
                    .allSatisfy((sid, ids) -> assertThat(ids).as(sid).hasSize(1));
            Map<String, JsonNode> eventOf = new HashMap<>();
            events.forEach(e -> eventOf.putIfAbsent(carrierMessageId(e), e));
            int eventRepeats = events.size() - eventIds.size();

            // the rule fired for each matching message only, once, and its reply is one message at the carrier
            Map<String, List<LoggedRequest>> sendsByReply = requests(carrier, SEND_PATH).stream()
                    .collect(Collectors.groupingBy(r -> field(r, "tag"), LinkedHashMap::new, Collectors.toList()));
            Set<String> replies = new HashSet<>();
            for (Webhook webhook : byId.values()) {
                JsonNode fired =
                        eventOf.get(webhook.carrierMessageId()).path("data").path("rulesFired");
                if (!webhook.matchesRule()) {
                    assertThat(fired.isMissingNode() || fired.isEmpty())
                            .as("rules fired for %s, which does not match", webhook.carrierMessageId())
                            .isTrue();
                    continue;
                }
                assertThat(fired)
                        .as("rules fired for %s", webhook.carrierMessageId())
                        .hasSize(1);
                assertThat(fired.get(0).path("id").asText()).isEqualTo(ruleId);
                assertThat(fired.get(0).path("actions").findValuesAsText("type"))
                        .containsExactly("reply", "tag", "forward");
                String reply =
                        fired.get(0).path("actions").get(0).path("messageId").asText();
                assertThat(reply)
                        .as("the reply's message id for %s: %s", webhook.carrierMessageId(), fired)
                        .isNotEmpty();
                assertThat(replies.add(reply))
                        .as("reply %s answers one message only", reply)
                        .isTrue();
                assertThat(sendsByReply.get(reply))
                        .as("sends of the reply to %s", webhook.carrierMessageId())
                        .isNotEmpty()
                        .allSatisfy(send -> {
                            assertThat(field(send, "to[0]")).isEqualTo(webhook.from());
                            assertThat(field(send, "text")).isEqualTo(REPLY);
                        });
            }
            assertThat(sendsByReply.keySet())
                    .as("messages the carrier got: the replies, no other")
                    .containsExactlyInAnyOrderElementsOf(replies);
            Map<String, Long> repliesPerSender = sendsByReply.values().stream()
                    .collect(Collectors.groupingBy(sends -> field(sends.getFirst(), "to[0]"), Collectors.counting()));
            Map<String, Long> matchingPerSender = byId.values().stream()
                    .filter(Webhook::matchesRule)
                    .collect(Collectors.groupingBy(Webhook::from, Collectors.counting()));
            assertThat(repliesPerSender)
                    .as("distinct reply messages per sender")
                    .isEqualTo(matchingPerSender);
            // the same reply sent twice is the outbound pipeline's window: its first send was the killed
            // process's, and a send whose answer was stored is never repeated
            List<String> sentTwice = sendsByReply.entrySet().stream()
                    .filter(e -> e.getValue().size() > 1)
                    .map(Map.Entry::getKey)
                    .toList();
            Set<String> repeatedAfterRestart = sentTwice.stream()
                    .filter(reply ->
                            sendsByReply.get(reply).stream().noneMatch(r -> sentByKilledProcess.contains(r.getId())))
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
            if (!repeatedAfterRestart.isEmpty()) {
                for (String reply : repeatedAfterRestart) {
                    System.out.printf(
                            "reply %s sent at %s%n",
                            reply,
                            sendsByReply.get(reply).stream()
                                    .map(LoggedRequest::getLoggedDate)
                                    .toList());
                }
                explain(gateway, "replies sent twice after the restart:", repeatedAfterRestart, diagnose);
            }
            for (String reply : sentTwice) {
                List<LoggedRequest> sends = sendsByReply.get(reply);
                assertThat(sends).as("sends of reply %s", reply).hasSize(2);
                LoggedRequest first = sends.stream()
                        .min(Comparator.comparing(LoggedRequest::getLoggedDate))
                        .orElseThrow();
                assertThat(sentByKilledProcess)
                        .as("a repeated reply's first send came from the killed process")
                        .contains(first.getId());
            }

            // a forward per matching message, carrying its event id; a repeat is that id again
            List<JsonNode> forwards = requests(receiver, "/forward").stream()
                    .map(WorkflowCrashTest::json)
                    .toList();
            Map<String, Set<String>> forwardIds = eventsByMessage(receiver, "/forward");
            assertThat(forwardIds.keySet())
                    .as("messages forwarded")
                    .containsExactlyInAnyOrderElementsOf(byId.values().stream()
                            .filter(Webhook::matchesRule)
                            .map(Webhook::carrierMessageId)
                            .toList());
            assertThat(forwardIds)
                    .as("forwarded event of each message: the one the subscriber got")
                    .allSatisfy((sid, ids) -> assertThat(ids).isEqualTo(eventIds.get(sid)));
            int forwardRepeats = forwards.size() - forwardIds.size();

            // each conversation shows the tag once when one of its messages matched, and no tag otherwise
            Map<String, Boolean> conversations = new HashMap<>();
            for (JsonNode event : eventOf.values()) {
                conversations.merge(
                        event.path("data").path("conversationId").asText(),
                        byId.get(carrierMessageId(event)).matchesRule(),
                        Boolean::logicalOr);
            }
            assertThat(conversations)
                    .hasSize(SEQUENTIAL_SENDERS + (clients - SEQUENTIAL_SENDERS) * WEBHOOKS_PER_CLIENT);
            for (Map.Entry<String, Boolean> conversation : conversations.entrySet()) {
                JsonNode shown = api.getJson("/v1/conversations/" + GatewayApi.encode(conversation.getKey()));
                List<String> tags = new ArrayList<>();
                shown.path("tags").forEach(t -> tags.add(t.asText()));
                assertThat(tags)
                        .as("tags of conversation %s", conversation.getKey())
                        .isEqualTo(conversation.getValue() ? List.of(TAG) : List.of());
            }

            // a conversation whose webhooks came one after another gets its events in that order (a repeat of
            // an event comes before the next one): webhook positions in the order the subscriber got the events
            Map<String, List<Integer>> outOfOrder = new LinkedHashMap<>();
            for (int c = 0; c < SEQUENTIAL_SENDERS; c++) {
                String from = plan.get(c).getFirst().from();
                List<Integer> positions = events.stream()
                        .filter(e -> byId.get(carrierMessageId(e)).from().equals(from))
                        .map(e -> byId.get(carrierMessageId(e)).position())
                        .toList();
                assertThat(positions.stream().distinct().sorted().toList()).hasSize(WEBHOOKS_PER_CLIENT);
                if (!positions.equals(positions.stream().sorted().toList())) {
                    outOfOrder.put(from, positions);
                }
            }

            System.out.printf(
                    "workflow kill -9: %d webhooks answered before the kill, %d after the restart; at the kill %d"
                            + " events, %d forwards, %d carrier sends had gone out; %d messages with one event id"
                            + " each, %d events delivered again (same id); %d matching messages, %d replies (%d sent"
                            + " twice); %d forwards (%d again, same event); %d of %d ordered conversations out of order;"
                            + " all arrived %d s after the restart%n",
                    answeredBeforeKill.size(),
                    answeredAfterRestart.size(),
                    eventsAtKill,
                    forwardsAtKill,
                    sendsAtKill.size(),
                    eventIds.size(),
                    eventRepeats,
                    matching,
                    replies.size(),
                    sentTwice.size(),
                    forwardIds.size(),
                    forwardRepeats,
                    outOfOrder.size(),
                    SEQUENTIAL_SENDERS,
                    settled.toSeconds());
            // last, so that the numbers above are printed either way
            assertThat(outOfOrder)
                    .as("conversations whose events came out of webhook order (webhook positions as the events came)")
                    .isEmpty();
        } finally {
            carrier.stop();
            receiver.stop();
        }
    }

    /**
     * For a missing event: the events the subscriber got more than once (an event delivered under another's
     * name would show here), and the gateway's lines about deliveries it dropped.
     */
    private static String receivedTwice(WireMockServer receiver) {
        Map<String, List<String>> byId = new java.util.TreeMap<>();
        for (LoggedRequest request : requests(receiver, "/events")) {
            JsonNode event = json(request);
            byId.computeIfAbsent(event.path("id").asText(), k -> new ArrayList<>())
                    .add(carrierMessageId(event) + " at "
                            + request.getLoggedDate().toInstant());
        }
        StringBuilder out = new StringBuilder(
                "subscriber requests: " + requests(receiver, "/events").size() + ", distinct event ids: " + byId.size()
                        + "\nevent ids received more than once:\n");
        byId.forEach((id, seen) -> {
            if (seen.size() > 1) {
                out.append(id).append(' ').append(seen).append('\n');
            }
        });
        return out.toString();
    }

    /** Prints what the gateway logged and the store holds about {@code ids}, for a failure about to be reported. */
    private static void explain(
            GatewayProcess gateway,
            String what,
            Set<String> ids,
            java.util.function.Function<Set<String>, String> diagnose)
            throws java.io.IOException {
        StringBuilder mentions = new StringBuilder();
        for (String line : java.nio.file.Files.readAllLines(gateway.log())) {
            if (ids.stream().anyMatch(line::contains) || line.contains("dropped") || line.contains("not handed")) {
                mentions.append(line).append('\n');
            }
        }
        System.out.printf(
                "workflow kill -9: %s %s%nthe gateway's warnings:%n%s%nits lines naming them:%n%s%nthe store:%n%s%n",
                what, ids, gateway.warnings(), mentions, diagnose.apply(ids));
    }

    /**
     * Each client's webhooks: the first clients post as one sender each (a conversation of many messages),
     * the others as a new sender each time (a conversation per message); every other webhook matches the rule.
     */
    private static List<List<Webhook>> plan(int clients) {
        List<List<Webhook>> plan = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            List<Webhook> client = new ArrayList<>();
            for (int n = 0; n < WEBHOOKS_PER_CLIENT; n++) {
                String from = c < SEQUENTIAL_SENDERS
                        ? "+1650555%04d".formatted(9000 + c)
                        : "+1650555%04d".formatted(c * 100 + n);
                String text =
                        n % 2 == 0 ? KEYWORD + " please (%d/%d)".formatted(c, n) : "hello (%d/%d)".formatted(c, n);
                client.add(new Webhook("wf-%02d-%03d".formatted(c, n), from, text, n));
            }
            plan.add(client);
        }
        return plan;
    }

    /**
     * Posts {@code webhooks} one after another as Bandwidth does, noting each answered 200, until one gets
     * another answer (counted as refused) or none (the gateway is gone). Returns how many were answered.
     */
    private static int postInOrder(
            HttpClient client,
            SignedWebhooks signed,
            List<Webhook> webhooks,
            Set<String> answered,
            AtomicInteger refused) {
        int count = 0;
        for (Webhook webhook : webhooks) {
            try {
                HttpResponse<Void> answer = client.send(
                        signed.bandwidthReceived(webhook.carrierMessageId(), webhook.from(), webhook.text()),
                        HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() != 200) {
                    refused.incrementAndGet();
                    return count;
                }
                answered.add(webhook.carrierMessageId());
                count++;
                Thread.sleep(CLIENT_PACE);
            } catch (Exception gatewayGone) {
                return count;
            }
        }
        return count;
    }

    /** Every message has had its event, and every matching one its forward and a reply at the carrier. */
    private static boolean arrivedEverywhere(
            WireMockServer carrier, WireMockServer receiver, java.util.Collection<Webhook> webhooks) {
        Set<String> all = webhooks.stream().map(Webhook::carrierMessageId).collect(Collectors.toSet());
        Set<String> matching = webhooks.stream()
                .filter(Webhook::matchesRule)
                .map(Webhook::carrierMessageId)
                .collect(Collectors.toSet());
        long replies = requests(carrier, SEND_PATH).stream()
                .map(send -> field(send, "tag"))
                .distinct()
                .count();
        return eventsByMessage(receiver, "/events").keySet().containsAll(all)
                && eventsByMessage(receiver, "/forward").keySet().containsAll(matching)
                && replies >= matching.size();
    }

    private static HttpResponse<String> postJson(GatewayApi api, GatewayProcess gateway, String path, String body)
            throws Exception {
        return api.send(HttpRequest.newBuilder(gateway.uri(path))
                .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    /** Requests to {@code path}, oldest first. */
    private static List<LoggedRequest> requests(WireMockServer server, String path) {
        // WireMock logs a request as it reads it, before it answers, and lists the newest first
        return server.getAllServeEvents().reversed().stream()
                .map(e -> e.getRequest())
                .filter(r -> r.getUrl().equals(path))
                .map(LoggedRequest.class::cast)
                .toList();
    }

    /** The event ids that reached {@code path}, by the carrier message id of the message they are about. */
    private static Map<String, Set<String>> eventsByMessage(WireMockServer receiver, String path) {
        Map<String, Set<String>> ids = new HashMap<>();
        for (LoggedRequest request : requests(receiver, path)) {
            JsonNode event = json(request);
            ids.computeIfAbsent(carrierMessageId(event), k -> new HashSet<>())
                    .add(event.path("id").asText());
        }
        return ids;
    }

    /**
     * Waits until the servers hold no connection the killed process left (its requests may still be unread
     * there, on a loaded machine for seconds, and would be logged later as if the restarted one had made them),
     * then until neither has logged a new request for half a second.
     */
    private static void awaitStill(WireMockServer... servers) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (connectionsLeftByAClosedPeer(servers) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        int logged = -1;
        int now = count(servers);
        while (logged != now) {
            logged = now;
            Thread.sleep(500);
            now = count(servers);
        }
    }

    /**
     * Connections to the servers' ports whose other end has closed (CLOSE-WAIT: a dead client's, whose request the
     * server has not finished with), as {@code ss} from iproute2 tells; 0 when it cannot tell.
     */
    private static int connectionsLeftByAClosedPeer(WireMockServer... servers) {
        Set<String> ports = new HashSet<>();
        for (WireMockServer server : servers) {
            ports.add(":" + server.port());
        }
        try {
            Process ss = new ProcessBuilder("ss", "-tnH", "state", "close-wait")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (ss.waitFor() != 0) {
                return 0;
            }
            int left = 0;
            for (String line : out.split("\n")) {
                String[] columns = line.trim().split("\\s+");
                // Recv-Q Send-Q Local:Port Peer:Port
                if (columns.length >= 3) {
                    String local = columns[2];
                    if (ports.contains(local.substring(local.lastIndexOf(':')))) {
                        left++;
                    }
                }
            }
            return left;
        } catch (java.io.IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static int count(WireMockServer... servers) {
        int count = 0;
        for (WireMockServer server : servers) {
            count += server.getAllServeEvents().size();
        }
        return count;
    }

    private static String carrierMessageId(JsonNode event) {
        return event.path("data").path("carrierMessageId").asText();
    }

    private static JsonNode json(LoggedRequest request) {
        try {
            return GatewayApi.JSON.readTree(request.getBodyAsString());
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + request.getBodyAsString(), e);
        }
    }

    /** A field of a carrier send's JSON body: {@code tag}, {@code text} or {@code to[0]}. */
    private static String field(LoggedRequest send, String name) {
        JsonNode body = json(send);
        return name.equals("to[0]")
                ? body.path("to").path(0).asText()
                : body.path(name).asText();
    }
}
