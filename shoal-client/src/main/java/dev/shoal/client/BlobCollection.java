package dev.shoal.client;

/** What one collection of the data service did ({@code POST /v1/blobs/gc}): blobs deleted, bytes freed, blobs kept. */
public record BlobCollection(long deleted, long bytesFreed, long kept) {}
