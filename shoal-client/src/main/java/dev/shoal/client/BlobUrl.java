package dev.shoal.client;

import java.net.URI;

/**
 * A signed URL: it opens bytes {@code from..to} (inclusive) of one blob with {@code GET} or
 * {@code HEAD} and no key, until {@code expiresAt} (epoch ms). Anyone holding it can read that
 * range, so hand it only to whom should.
 */
public record BlobUrl(URI url, long from, long to, long expiresAt) {}
