package dev.shoal.client;

/**
 * What the data service moved since the orchestrator started ({@code GET /v1/data}): bytes it
 * sent (to workers, mostly), bytes stored by uploads, and bytes validators read of outputs kept
 * there.
 */
public record DataStats(long bytesServed, long bytesUploaded, long validationBytesRead) {}
