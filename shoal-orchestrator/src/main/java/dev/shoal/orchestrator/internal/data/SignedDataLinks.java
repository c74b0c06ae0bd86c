package dev.shoal.orchestrator.internal.data;

import dev.shoal.orchestrator.internal.core.DataLinks;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Links a task to the data service for one attempt: each input kept there becomes a URL signed
 * for exactly its byte range, and a task whose outputs may exceed the inline limit gets a URL to
 * upload them, signed for that attempt and for no more bytes than its outputs add up to. Both expire a grace period after the task's timeout, so a URL leaked from one attempt is
 * soon worthless.
 */
public final class SignedDataLinks implements DataLinks {

  private static final long INLINE = dev.shoal.protocol.ProtocolLimits.DEFAULT.maxInlineBytes();

  /** How long past the task's timeout its URLs stay open: a slow start, a slow upload. */
  static final long GRACE_MILLIS = 60_000;

  private final BlobUrls urls;
  private final Supplier<String> baseUrl;
  private final LongSupplier clock;
  private final long maxUploadBytes;

  /** {@code baseUrl}: where workers reach the HTTP API, asked at each dispatch (the port is known late). */
  public SignedDataLinks(BlobUrls urls, Supplier<String> baseUrl, LongSupplier clock, long maxUploadBytes) {
    this.urls = urls;
    this.baseUrl = baseUrl;
    this.clock = clock;
    this.maxUploadBytes = maxUploadBytes;
  }

  @Override
  public TaskDescriptor forAttempt(TaskDescriptor task, AttemptRef attempt, long outputBytes) {
    // Only outputs over the inline limit are uploaded: a task with none gets no URL.
    boolean uploads = outputBytes > INLINE;
    if (!uploads && !hasStoredInput(task)) {
      // The gateway's path: nothing to sign, nothing to copy.
      return task;
    }
    long expires = clock.getAsLong() + task.getTimeoutMs() + GRACE_MILLIS;
    String base = baseUrl.get();
    TaskDescriptor.Builder b = task.toBuilder();
    for (int i = 0; i < b.getInputsCount(); i++) {
      Value v = b.getInputs(i);
      if (TaskInputs.isStored(v)) {
        b.setInputs(i, signed(v, base, expires));
      }
    }
    if (uploads) {
      String id = attempt.getJobId() + "." + attempt.getTaskId() + "." + attempt.getAttempt();
      BlobUrls.UploadGrant g = new BlobUrls.UploadGrant(id, Math.min(outputBytes, maxUploadBytes), expires);
      b.setUploadUrl(base + "/v1/blobs?" + g.query(urls.sign(g)));
    }
    return b.build();
  }

  private static boolean hasStoredInput(TaskDescriptor task) {
    for (Value v : task.getInputsList()) {
      if (TaskInputs.isStored(v)) {
        return true;
      }
    }
    return false;
  }

  private Value signed(Value v, String base, long expires) {
    DataRef data = v.getTensorRef().getData();
    String sha = TaskInputs.sha256(data.getDigest());
    long from = data.hasRange() ? data.getRange().getOffset() : 0;
    long length = data.hasRange() ? data.getRange().getLength() : data.getSize();
    BlobUrls.Grant g = new BlobUrls.Grant(sha, from, from + Math.max(0, length - 1), expires);
    DataRef linked =
        data.toBuilder().setUri(base + "/v1/blobs/" + sha + "?" + g.query(urls.sign(g))).setExpiresAtMs(expires).build();
    return v.toBuilder().setTensorRef(v.getTensorRef().toBuilder().setData(linked)).build();
  }
}
