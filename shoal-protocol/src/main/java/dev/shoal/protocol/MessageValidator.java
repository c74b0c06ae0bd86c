package dev.shoal.protocol;

import static dev.shoal.protocol.v1.ErrorCode.ERROR_CODE_MALFORMED;
import static dev.shoal.protocol.v1.ErrorCode.ERROR_CODE_TOO_LARGE;

import dev.shoal.operators.OperatorId;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.Blob;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OutputChunk;
import dev.shoal.protocol.v1.ProtocolVersion;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Tensor;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Structural checks for every message either side receives: ids, sizes, enums and shapes. A
 * message that passes is safe to use; one that fails raises a {@link ProtocolViolation} and must
 * change nothing. Semantic checks (does this attempt exist?) belong to the receiver. Thread-safe.
 */
public final class MessageValidator {

  /** Job, task and other ids: a letter or digit, then letters, digits, '.', '_', ':' or '-'. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Set<String> CHANNELS = Set.of("stdout", "stderr", "tokens");
  private static final Set<String> URI_SCHEMES = Set.of("http", "https", "shoal");
  private static final int MAX_RANK = 8;

  private final ProtocolLimits limits;

  public MessageValidator(ProtocolLimits limits) {
    this.limits = limits;
  }

  public ProtocolLimits limits() {
    return limits;
  }

  public void checkId(String what, String id) throws ProtocolViolation {
    if (id.isEmpty()) {
      throw malformed(what + " is missing");
    }
    if (id.length() > limits.maxIdLength()) {
      throw malformed(what + " is longer than " + limits.maxIdLength() + " characters");
    }
    if (!ID.matcher(id).matches()) {
      throw malformed(what + " '" + printable(id) + "' has characters outside [A-Za-z0-9._:-]");
    }
  }

  public void checkAttempt(AttemptRef ref) throws ProtocolViolation {
    checkId("job_id", ref.getJobId());
    checkId("task_id", ref.getTaskId());
    if (ref.getAttempt() < 1 || ref.getAttempt() > limits.maxAttempt()) {
      throw malformed("attempt must be in 1.." + limits.maxAttempt() + ", got " + ref.getAttempt());
    }
  }

  public void checkTensor(String what, Tensor t) throws ProtocolViolation {
    checkDTypeAndShape(what, t.getDtype(), t.getDtypeValue(), t.getShapeList());
    long expected = WireTensors.expectedBytes(t);
    if (expected < 0 || expected > limits.maxMessageBytes()) {
      throw new ProtocolViolation(ERROR_CODE_TOO_LARGE, what + ": shape " + t.getShapeList() + " is too large");
    }
    if (expected != t.getData().size()) {
      throw malformed(
          what + ": shape " + t.getShapeList() + " needs " + expected + " bytes, data has " + t.getData().size());
    }
  }

  /** A known dtype, at most {@code MAX_RANK} dimensions, each in int range: what every tensor needs. */
  private void checkDTypeAndShape(String what, dev.shoal.protocol.v1.DType dtype, int dtypeValue, List<Long> shape)
      throws ProtocolViolation {
    switch (dtype) {
      case DTYPE_FLOAT32, DTYPE_FLOAT16, DTYPE_INT32 -> {}
      // The raw number: an unknown one has no enum constant to ask.
      default -> throw malformed(what + ": dtype is unspecified or unknown (" + dtypeValue + ")");
    }
    if (shape.size() > MAX_RANK) {
      throw malformed(what + ": rank " + shape.size() + " exceeds " + MAX_RANK);
    }
    for (long d : shape) {
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw malformed(what + ": dimension " + d + " is out of range");
      }
    }
  }

  public void checkBlob(String what, Blob b) throws ProtocolViolation {
    checkLength(what + ".media_type", b.getMediaType(), 128);
    for (int i = 0; i < b.getMediaType().length(); i++) {
      char c = b.getMediaType().charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw malformed(what + ".media_type has a character outside printable ASCII");
      }
    }
    if (b.getData().size() > limits.maxMessageBytes()) {
      throw new ProtocolViolation(ERROR_CODE_TOO_LARGE, what + ": blob exceeds " + limits.maxMessageBytes() + " bytes");
    }
    if (!b.getName().isEmpty()) {
      String problem = ArtifactNames.problem(b.getName());
      if (problem != null) {
        throw malformed(what + ".name " + problem);
      }
    }
  }

  public void checkDataRef(String what, DataRef ref) throws ProtocolViolation {
    String uri = ref.getUri();
    if (uri.isEmpty() || uri.length() > 2048) {
      throw malformed(what + ": uri must have 1..2048 characters");
    }
    int colon = uri.indexOf(':');
    if (colon < 0 || !URI_SCHEMES.contains(uri.substring(0, colon))) {
      throw malformed(what + ": uri scheme must be one of " + URI_SCHEMES);
    }
    if (!DIGEST.matcher(ref.getDigest()).matches()) {
      throw malformed(what + ": digest must be sha256:<64 lowercase hex digits>");
    }
    if (ref.hasRange()) {
      long end = ref.getRange().getOffset() + ref.getRange().getLength();
      if (end < ref.getRange().getOffset() || end > ref.getSize()) {
        throw malformed(what + ": range lies outside the content's " + ref.getSize() + " bytes");
      }
    }
    if (ref.getHeadersCount() > 16) {
      throw malformed(what + ": more than 16 headers");
    }
    if (!ref.getRangeDigest().isEmpty() && !DIGEST.matcher(ref.getRangeDigest()).matches()) {
      throw malformed(what + ": range_digest must be sha256:<64 lowercase hex digits>");
    }
    if (ref.hasRange() && ref.getRangeDigest().isEmpty() && ref.getRange().getLength() != ref.getSize()) {
      throw malformed(what + ": a range needs a range_digest, or a reader could not verify it");
    }
  }

  /** A tensor by reference: a known dtype, a sane shape, and exactly the bytes it names. */
  public void checkTensorRef(String what, TensorRef t) throws ProtocolViolation {
    checkDTypeAndShape(what, t.getDtype(), t.getDtypeValue(), t.getShapeList());
    if (!t.hasData()) {
      throw malformed(what + ": a tensor_ref needs data");
    }
    checkDataRef(what + ".data", t.getData());
    long expected = WireTensors.expectedBytes(t.getDtype(), t.getShapeList());
    long named = t.getData().hasRange() ? t.getData().getRange().getLength() : t.getData().getSize();
    if (expected < 0 || expected != named) {
      throw malformed(what + ": shape " + t.getShapeList() + " needs " + expected + " bytes, data names " + named);
    }
  }

  public void checkValues(String what, List<Value> values) throws ProtocolViolation {
    if (values.size() > limits.maxValues()) {
      throw malformed(what + ": more than " + limits.maxValues() + " values");
    }
    for (int i = 0; i < values.size(); i++) {
      Value v = values.get(i);
      String name = what + "[" + i + "]";
      switch (v.getKindCase()) {
        case TENSOR -> checkTensor(name, v.getTensor());
        case REF -> checkDataRef(name, v.getRef());
        case BLOB -> checkBlob(name, v.getBlob());
        case TENSOR_REF -> checkTensorRef(name, v.getTensorRef());
        case KIND_NOT_SET -> throw malformed(name + " is neither a tensor, a DataRef, a tensor_ref nor a blob");
      }
    }
  }

  public void checkAttributes(Map<String, AttributeValue> attributes) throws ProtocolViolation {
    if (attributes.size() > limits.maxAttributes()) {
      throw malformed("more than " + limits.maxAttributes() + " attributes");
    }
    for (Map.Entry<String, AttributeValue> e : attributes.entrySet()) {
      if (!ATTRIBUTE_NAME.matcher(e.getKey()).matches()) {
        throw malformed("attribute name '" + printable(e.getKey()) + "' must match [a-z][a-z0-9_]{0,63}");
      }
      AttributeValue v = e.getValue();
      switch (v.getKindCase()) {
        case KIND_NOT_SET -> throw malformed("attribute " + e.getKey() + " has no value");
        case STRING_VALUE -> checkLength("attribute " + e.getKey(), v.getStringValue(), limits.maxStringLength());
        case INTS -> {
          if (v.getInts().getValuesCount() > limits.maxAttributeInts()) {
            throw malformed("attribute " + e.getKey() + " has more than " + limits.maxAttributeInts() + " values");
          }
        }
        case INT_VALUE, FLOAT_VALUE -> {}
      }
    }
  }

  public void checkTask(TaskDescriptor t) throws ProtocolViolation {
    if (!t.hasAttempt()) {
      throw malformed("task has no attempt");
    }
    checkAttempt(t.getAttempt());
    checkOperator(t.getOperator());
    checkValues("inputs", t.getInputsList());
    checkAttributes(t.getAttributesMap());
    if (t.getTimeoutMs() < 1 || t.getTimeoutMs() > limits.maxTimeoutMillis()) {
      throw malformed("timeout_ms must be in 1.." + limits.maxTimeoutMillis() + ", got " + t.getTimeoutMs());
    }
    checkLength("model", t.getModel(), limits.maxStringLength());
    checkLength("resources.accelerator", t.getResources().getAccelerator(), 64);
  }

  public void checkAck(TaskAck ack) throws ProtocolViolation {
    if (!ack.hasAttempt()) {
      throw malformed("ack has no attempt");
    }
    checkAttempt(ack.getAttempt());
    if (ack.getReason() == RejectReason.UNRECOGNIZED) {
      throw malformed("ack reason is unknown (" + ack.getReasonValue() + ")");
    }
    if (!ack.getAccepted() && ack.getReason() == RejectReason.REJECT_REASON_UNSPECIFIED) {
      throw malformed("a rejection must give a reason");
    }
    if (ack.getAccepted() && ack.getReason() != RejectReason.REJECT_REASON_UNSPECIFIED) {
      throw malformed("an acceptance must not give a rejection reason");
    }
    checkLength("ack detail", ack.getDetail(), limits.maxDetailLength());
  }

  public void checkResult(ResultDescriptor r) throws ProtocolViolation {
    if (!r.hasAttempt()) {
      throw malformed("result has no attempt");
    }
    checkAttempt(r.getAttempt());
    if (r.getStatus() == ResultStatus.RESULT_STATUS_UNSPECIFIED
        || r.getStatus() == ResultStatus.UNRECOGNIZED) {
      throw malformed("result status is unspecified or unknown (" + r.getStatusValue() + ")");
    }
    if (r.getStatus() != ResultStatus.RESULT_STATUS_OK && r.getOutputsCount() > 0) {
      throw malformed("only an OK result carries outputs");
    }
    checkValues("outputs", r.getOutputsList());
    checkLength("diagnostics.message", r.getDiagnostics().getMessage(), limits.maxDetailLength());
    checkLength("diagnostics.error_kind", r.getDiagnostics().getErrorKind(), 32);
    if (r.getSignature().size() > 128) {
      throw malformed("signature is longer than 128 bytes");
    }
    checkLength("receipt.method", r.getReceipt().getMethod(), 64);
    if (r.getReceipt().getEvidence().size() > 64 * 1024) {
      throw new ProtocolViolation(ERROR_CODE_TOO_LARGE, "receipt evidence exceeds 64 KiB");
    }
  }

  public void checkChunk(OutputChunk c) throws ProtocolViolation {
    if (!c.hasAttempt()) {
      throw malformed("chunk has no attempt");
    }
    checkAttempt(c.getAttempt());
    if (!CHANNELS.contains(c.getChannel())) {
      throw malformed("chunk channel must be one of " + CHANNELS);
    }
    if (c.getData().size() > limits.maxChunkBytes()) {
      throw new ProtocolViolation(ERROR_CODE_TOO_LARGE, "chunk exceeds " + limits.maxChunkBytes() + " bytes");
    }
  }

  public void checkHeartbeat(Heartbeat h) throws ProtocolViolation {
    if (h.getLoad().getRunningTasks() > limits.maxConcurrentTasks()
        || h.getLoad().getFreeSlots() > limits.maxConcurrentTasks()) {
      throw malformed("heartbeat load is out of range");
    }
    double cpu = h.getLoad().getCpuLoad();
    if (Double.isNaN(cpu) || cpu < 0 || cpu > 1_000) {
      throw malformed("heartbeat cpu_load is out of range");
    }
  }

  public void checkNode(NodeDescriptor n) throws ProtocolViolation {
    if (n.getPublicKey().size() != Ed25519.PUBLIC_KEY_BYTES) {
      throw malformed("public_key must be a raw 32-byte Ed25519 key");
    }
    String derived = PeerIds.fromPublicKey(n.getPublicKey().toByteArray());
    if (!derived.equals(n.getPeerId())) {
      throw new ProtocolViolation(
          ErrorCode.ERROR_CODE_UNAUTHENTICATED,
          "peer_id '" + printable(n.getPeerId()) + "' does not derive from public_key (expected " + derived + ")");
    }
    checkLength("name", n.getName(), 128);
    if (n.getOperatorsCount() == 0 || n.getOperatorsCount() > limits.maxOperators()) {
      throw malformed("a worker advertises 1.." + limits.maxOperators() + " operators");
    }
    for (String op : n.getOperatorsList()) {
      checkOperator(op);
    }
    if (n.getModelsCount() > limits.maxModels() || n.getServicesCount() > limits.maxModels()) {
      throw malformed("too many models or services (limit " + limits.maxModels() + ")");
    }
    for (String m : n.getModelsList()) {
      checkLength("model", m, limits.maxStringLength());
    }
    for (String s : n.getServicesList()) {
      checkId("service", s);
    }
    if (n.getMaxConcurrentTasks() < 1 || n.getMaxConcurrentTasks() > limits.maxConcurrentTasks()) {
      throw malformed("max_concurrent_tasks must be in 1.." + limits.maxConcurrentTasks());
    }
    if (n.getProtocolVersionsCount() == 0 || n.getProtocolVersionsCount() > 16) {
      throw malformed("a worker states 1..16 protocol versions");
    }
    if (n.getHardware().getCores() < 1 || n.getHardware().getCores() > 65_536) {
      throw malformed("hardware.cores must be in 1..65536");
    }
    if (n.getHardware().getAcceleratorsCount() > 64) {
      throw malformed("more than 64 accelerators");
    }
    checkLength("hardware.arch", n.getHardware().getArch(), 64);
    checkLength("hardware.os", n.getHardware().getOs(), 128);
    checkLength("software", n.getSoftware(), 128);
    if (n.getTrustSignalsCount() > 16) {
      throw malformed("more than 16 trust signals");
    }
  }

  /** Checks the versions a peer states; unknown fields in them are ignored. */
  public static void checkVersions(List<ProtocolVersion> versions) throws ProtocolViolation {
    for (ProtocolVersion v : versions) {
      if (v.getMajor() == 0 && v.getMinor() == 0 && v.getPatch() == 0) {
        throw malformed("protocol version 0.0.0 is not a version");
      }
    }
  }

  private void checkOperator(String op) throws ProtocolViolation {
    if (op.length() > 80) {
      throw malformed("operator id is longer than 80 characters");
    }
    try {
      OperatorId.parse(op);
    } catch (IllegalArgumentException e) {
      throw malformed("operator id '" + printable(op) + "' is not name@version: " + e.getMessage());
    }
  }

  private static void checkLength(String what, String s, int max) throws ProtocolViolation {
    if (s.length() > max) {
      throw malformed(what + " is longer than " + max + " characters");
    }
  }

  private static ProtocolViolation malformed(String message) {
    return new ProtocolViolation(ERROR_CODE_MALFORMED, message);
  }

  /** Clips and escapes untrusted text before it is echoed in an error. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 80; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return s.length() > 80 ? b + "…" : b.toString();
  }
}
