package io.omniservice.carriers.livechat;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.carrier.MultipartForm;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.SendFailure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * One LiveChat account's media. Inbound {@code file} events point at LiveChat's CDN
 * ({@code https://cdn.livechat-files.com/api/file/...}), the same URL the customer's chat widget shows, so they
 * are fetched as given. Outbound, a {@code file} event must name a URL on that CDN ("Has to point to the LiveChat
 * CDN. It's recommended to use the URL returned by upload_file", Agent Chat API data structures, File,
 * platform.text.com/docs/agent-chat-api/data-structures): {@link #upload} posts the file to {@code
 * /v{version}/agent/action/upload_file} as multipart {@code file} and returns the item with the {@code url} LiveChat
 * answers, which {@link LiveChatSender} then sends as a {@code file} event.
 *
 * <p>The upload streams the file from disk ({@link CarrierHttp#upload}); its answer is read as a send's, so
 * errors are classified the same way.
 */
final class LiveChatMedia implements MediaAccess {

    private final URI endpoint;
    private final Map<String, String> headers;
    private final HttpClient client;
    private final Duration timeout;
    private final Clock clock;

    /**
     * @param headers the sender's {@code Authorization} (and {@code X-Region}); empty on a receive-only account,
     *     which uploads nothing
     */
    LiveChatMedia(
            URI apiBaseUrl,
            String apiVersion,
            Map<String, String> headers,
            HttpClient client,
            Duration timeout,
            Clock clock) {
        this.endpoint = URI.create(apiBaseUrl + "/v" + apiVersion + "/agent/action/upload_file");
        this.headers = Map.copyOf(headers);
        this.client = client;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** LiveChat's file URLs are the ones its widget shows customers: fetched as given, with no token. */
    @Override
    public MediaDownload resolve(MediaItem item) throws IOException, MediaUnavailable {
        return MediaAccess.PUBLIC.resolve(item);
    }

    @Override
    public boolean uploads() {
        return true;
    }

    /**
     * Uploads the converted file and returns the item with LiveChat's CDN URL as its {@code url}; its {@code
     * carrierUrl} stays as it was. A receive-only account uploads nothing: it cannot send.
     */
    @Override
    public Optional<MediaItem> upload(MediaItem item, Path file) throws SendFailure {
        if (headers.isEmpty()) {
            return Optional.empty();
        }
        MultipartForm form = new MultipartForm().attachment("file", item, file);
        CarrierHttp.Response response = CarrierHttp.upload(client, endpoint, headers, form, timeout, "the file upload");
        if (!response.isSuccess()) {
            throw LiveChatSender.failure(response, clock.instant());
        }
        String url = response.json().path("url").asText(null);
        if (!absoluteHttp(url)) {
            // Nothing reached the chat yet: uploading again is harmless.
            throw SendFailure.retryable(
                    "unreadable_answer", "the upload_file answer names no url", response.status(), null);
        }
        return Optional.of(item.withUrls(url, null, item.carrierUrl()));
    }

    private static boolean absoluteHttp(String url) {
        if (url == null) {
            return false;
        }
        try {
            URI uri = URI.create(url);
            return uri.getHost() != null && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
