package io.omniservice.server.http;

import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.media.sign.MediaSigner;

/** What the media route and the message views serve from: the pipeline, the stored files and the URL signer. */
public record MediaApi(MediaPipeline pipeline, BlobStore blobs, MediaSigner signer) {}
