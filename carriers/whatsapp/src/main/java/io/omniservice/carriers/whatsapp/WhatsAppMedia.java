package io.omniservice.carriers.whatsapp;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.carrier.MultipartForm;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.SendFailure;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One Cloud API account's media. A WhatsApp webhook names an attachment by media id only, and the file sits
 * behind a short-lived URL on {@code lookaside.fbsbx.com} that wants the same bearer token as the Graph API:
 * {@link #resolve} looks the id up ({@code GET /{version}/{media-id}} → {@code {url, mime_type, sha256,
 * file_size, id, messaging_product}}) and hands the pipeline that URL with the token. Outbound files are
 * uploaded ({@code POST /{version}/{phone-number-id}/media}, multipart {@code messaging_product}, {@code type},
 * {@code file} → {@code {"id"}}) and sent by that id, so Meta never has to reach our signed URLs.
 *
 * <p>Sources: Meta's Cloud API Media reference (Retrieve Media URL, Download Media, Upload Media; mirrored at
 * whatsapp-docs.kap.so/documentation/whatsapp/reference/media/media-api and .../media-download-api): the URL
 * "is only valid for 5 minutes", a plain GET of it "will not return the media; you must include an access
 * token", and the upload takes {@code multipart/form-data} with {@code file}, {@code type} (the MIME type) and
 * {@code messaging_product=whatsapp}.
 *
 * <p>Lookups use the carriers' shared HTTP client directly; uploads stream the file from disk
 * ({@link CarrierHttp#upload}), so a 100 MB document is never held in memory. Answers are read as a
 * {@link CarrierHttp.Response}, so an upload error is classified exactly as a send's.
 */
final class WhatsAppMedia implements MediaAccess {
    /** Meta's media ids are numeric; anything outside this set could walk the Graph path elsewhere. */
    private static final Pattern MEDIA_ID = Pattern.compile("[0-9A-Za-z_.-]{1,128}");
    /** How long an uploaded media id is sent again: see {@link #uploadsLast}. */
    static final Duration UPLOADS_LAST = Duration.ofDays(1);

    private final URI graphBase;
    private final String phoneNumberId;
    private final String authorization;
    private final HttpClient client;
    private final Duration timeout;
    private final Clock clock;

    /**
     * @param graphBase {@code {apiBaseUrl}/{apiVersion}}
     * @param phoneNumberId the business number uploads belong to; null on a receive-only account
     * @param accessToken null when the account has none: media ids then cannot be looked up
     */
    WhatsAppMedia(
            URI graphBase, String phoneNumberId, String accessToken, HttpClient client, Duration timeout, Clock clock) {
        this.graphBase = graphBase;
        this.phoneNumberId = phoneNumberId;
        this.authorization = accessToken == null ? null : "Bearer " + accessToken;
        this.client = client;
        this.timeout = timeout;
        this.clock = clock;
    }

    /**
     * The download URL Graph gives for the item's media id, with the bearer token. An item without a media id
     * did not come from a WhatsApp webhook: it is fetched as given and never gets our token. The token never
     * goes to a plain-http URL unless the Graph base itself is plain http (a test or a local proxy).
     */
    @Override
    public MediaDownload resolve(MediaItem item) throws IOException, MediaUnavailable {
        String id = item.carrierMediaId();
        if (id == null || id.isBlank()) {
            return MediaAccess.PUBLIC.resolve(item);
        }
        if (authorization == null) {
            throw new MediaUnavailable("WhatsApp media id " + id + " cannot be looked up: the account has no "
                    + WhatsAppProvider.ACCESS_TOKEN + " configured");
        }
        if (!MEDIA_ID.matcher(id).matches()) {
            throw new MediaUnavailable("'" + id + "' is not a WhatsApp media id");
        }
        URI lookup = URI.create(graphBase + "/" + id);
        HttpRequest request = HttpRequest.newBuilder(lookup)
                .timeout(timeout)
                .header("Authorization", authorization)
                .header("Accept", "application/json")
                .header("User-Agent", "Omniservice")
                .GET()
                .build();
        HttpResponse<byte[]> answer;
        try {
            answer = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("the WhatsApp media lookup was interrupted");
        }
        CarrierHttp.Response response = new CarrierHttp.Response(answer.statusCode(), answer.headers(), answer.body());
        if (!response.isSuccess()) {
            refuse(id, response);
        }
        JsonNode answered = response.json();
        JsonNode answeredId = answered.path("id");
        if (!answeredId.isMissingNode()
                && !answeredId.isNull()
                && !(answeredId.isValueNode() && answeredId.asText().equals(id))) {
            // Graph answers for the id it was asked about; another id means something between us mixed answers up.
            throw new IOException("the Graph lookup of media id " + id + " answered for media id " + answeredId);
        }
        String url = answered.path("url").asText(null);
        URI download;
        try {
            download = url == null ? null : URI.create(url);
        } catch (IllegalArgumentException e) {
            download = null;
        }
        if (download == null
                || download.getHost() == null
                || !("https".equals(download.getScheme()) || "http".equals(download.getScheme()))) {
            // An answer we cannot read is likely a proxy's or a passing fault, not Meta saying the file is gone.
            throw new IOException("the Graph lookup of media id " + id + " answered without a usable url");
        }
        if (!"https".equalsIgnoreCase(download.getScheme()) && !"http".equalsIgnoreCase(graphBase.getScheme())) {
            // The bearer token goes with the download; only a plain-http Graph base (a test, a local proxy) may
            // hand out a plain-http URL. Asking again would get the same answer.
            throw new MediaUnavailable("the Graph lookup of media id " + id + " answered a plain http url on "
                    + download.getHost() + ": the access token is only sent over https");
        }
        return new MediaDownload(download, Map.of("Authorization", authorization));
    }

    /**
     * Throttling, Meta's temporary errors and 5xx are worth retrying (an {@link IOException}); any other refusal
     * of the id (400 "object does not exist", 404, 410, a token without access to it) will not change.
     */
    private static void refuse(String id, CarrierHttp.Response response) throws IOException, MediaUnavailable {
        int status = response.status();
        JsonNode error = response.json().path("error");
        boolean graphError = error.path("code").canConvertToInt();
        String why = "the Graph API answered " + status + " to the lookup of media id " + id;
        if (graphError) {
            why += ": code " + error.path("code").asInt()
                    + (error.has("error_subcode")
                            ? "/" + error.path("error_subcode").asText()
                            : "")
                    + " " + error.path("message").asText("");
        }
        boolean retryable = status == 408
                || status == 429
                || status >= 500
                || (graphError
                        && WhatsAppSender.RETRYABLE.contains(error.path("code").asInt()));
        if (!retryable && status >= 400 && status < 500) {
            throw new MediaUnavailable(why.strip());
        }
        throw new IOException(why.strip());
    }

    @Override
    public boolean uploads() {
        return true;
    }

    /**
     * Meta keeps an upload for 30 days and its id may be sent in any number of messages from the same number; a
     * day keeps well inside that, so a campaign uploads its picture once, not once per customer.
     */
    @Override
    public Duration uploadsLast() {
        return UPLOADS_LAST;
    }

    /**
     * Uploads the converted file to this account's business number and returns the item as Meta will know it:
     * by media id, without a URL. A receive-only account (no token or number) uploads nothing; it cannot send.
     */
    @Override
    public Optional<MediaItem> upload(MediaItem item, Path file) throws SendFailure {
        if (authorization == null || phoneNumberId == null) {
            return Optional.empty();
        }
        MultipartForm form = new MultipartForm()
                .field("messaging_product", "whatsapp")
                .field("type", MultipartForm.contentTypeOf(item))
                .attachment("file", item, file);
        URI endpoint = URI.create(graphBase + "/" + phoneNumberId + "/media");
        CarrierHttp.Response response = CarrierHttp.upload(
                client, endpoint, Map.of("Authorization", authorization), form, timeout, "the media upload");
        if (!response.isSuccess()) {
            throw WhatsAppSender.failure(response, clock.instant());
        }
        String id = response.json().path("id").asText(null);
        if (id == null || !MEDIA_ID.matcher(id).matches()) {
            // Nothing was sent to anyone yet: uploading again is harmless.
            throw SendFailure.retryable(
                    "unreadable_answer", "the media upload answer names no id", response.status(), null);
        }
        return Optional.of(item.withCarrierMediaId(id));
    }
}
