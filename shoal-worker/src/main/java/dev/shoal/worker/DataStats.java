package dev.shoal.worker;

/**
 * What a worker has moved through the orchestrator's data service since it started (protocol
 * 1.2: inputs by reference, outputs uploaded).
 *
 * @param requests fetches sent, failed ones included
 * @param bytesFetched bytes of complete fetched bodies
 * @param cacheHits inputs served from the worker's memory without a request
 * @param sharedDownloads inputs served by a download another attempt had started
 * @param cachedBytes bytes held in the cache now
 * @param uploads outputs uploaded
 * @param bytesUploaded bytes of outputs uploaded
 */
public record DataStats(
    long requests,
    long bytesFetched,
    long cacheHits,
    long sharedDownloads,
    long cachedBytes,
    long uploads,
    long bytesUploaded) {}
