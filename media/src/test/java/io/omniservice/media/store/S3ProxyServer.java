package io.omniservice.media.store;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.slf4j.LoggerFactory;

/**
 * A real S3 endpoint inside the test JVM: S3Proxy over jclouds' in-memory blob store, checking AWS V2/V4
 * signatures (headers and presigned query strings) like S3 does. It counts the uploads it receives per
 * object, so a test can prove a client sent nothing.
 */
final class S3ProxyServer {
    static final String ACCESS_KEY = "omniservice-test";
    static final String SECRET_KEY = "omniservice-test-secret";
    static final String REGION = "us-east-1";

    private final UploadCountingBlobStore blobs;
    private final S3Proxy proxy;

    S3ProxyServer() throws Exception {
        quietenServerLogs();
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .build(BlobStoreContext.class);
        this.blobs = new UploadCountingBlobStore(context.getBlobStore());
        this.proxy = S3Proxy.builder()
                .blobStore(blobs)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    S3Settings settings(String bucket, String prefix) {
        return new S3Settings(bucket, REGION, endpoint(), true, ACCESS_KEY, SECRET_KEY, prefix);
    }

    /** Uploads the server has taken for {@code objectKey}, in any bucket. */
    int uploads(String objectKey) {
        return blobs.uploads.getOrDefault(objectKey, new AtomicInteger()).get();
    }

    boolean holds(String bucket, String objectKey) {
        return blobs.blobExists(bucket, objectKey);
    }

    void stop() throws Exception {
        proxy.stop();
        blobs.getContext().close();
    }

    /**
     * S3Proxy's shaded Jetty logs tens of thousands of DEBUG lines per run when the module has no logging
     * configuration of its own; only this embedded server's loggers are turned down.
     */
    private static void quietenServerLogs() {
        for (String name : new String[] {"org.gaul", "org.jclouds", "software.amazon.awssdk"}) {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(ch.qos.logback.classic.Level.WARN);
            }
        }
    }

    private static final class UploadCountingBlobStore extends ForwardingBlobStore {
        final Map<String, AtomicInteger> uploads = new ConcurrentHashMap<>();

        UploadCountingBlobStore(BlobStore delegate) {
            super(delegate);
        }

        @Override
        public String putBlob(String container, Blob blob) {
            count(blob);
            return super.putBlob(container, blob);
        }

        @Override
        public String putBlob(String container, Blob blob, PutOptions options) {
            count(blob);
            return super.putBlob(container, blob, options);
        }

        private void count(Blob blob) {
            uploads.computeIfAbsent(blob.getMetadata().getName(), name -> new AtomicInteger())
                    .incrementAndGet();
        }
    }
}
