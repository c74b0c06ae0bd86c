package dev.shoal.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Hello;
import dev.shoal.protocol.v1.NodeDescriptor;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;

/** Signs and opens the worker's Hello: a node descriptor signed by the worker's own key. */
public final class Hellos {

  private static final byte[] CONTEXT = "shoal.v1.hello\0".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_DESCRIPTOR_BYTES = 64 * 1024;

  private Hellos() {}

  /** Fills in the key and peer id, then signs. */
  public static Hello sign(NodeDescriptor.Builder descriptor, KeyPair key) {
    byte[] raw = Ed25519.rawPublicKey(key.getPublic());
    byte[] bytes =
        descriptor
            .setPublicKey(WireTensors.wrap(raw))
            .setPeerId(PeerIds.fromPublicKey(raw))
            .build()
            .toByteArray();
    return Hello.newBuilder()
        .setNodeDescriptor(WireTensors.wrap(bytes))
        .setSignature(WireTensors.wrap(Ed25519.sign(key.getPrivate(), CONTEXT, bytes)))
        .build();
  }

  /** Parses, validates and verifies a Hello; the descriptor is trusted to be the key owner's words only. */
  public static NodeDescriptor open(Hello hello, MessageValidator validator) throws ProtocolViolation {
    if (hello.getNodeDescriptor().size() > MAX_DESCRIPTOR_BYTES) {
      throw new ProtocolViolation(ErrorCode.ERROR_CODE_TOO_LARGE, "node descriptor exceeds 64 KiB");
    }
    NodeDescriptor node;
    try {
      node = NodeDescriptor.parseFrom(hello.getNodeDescriptor());
    } catch (InvalidProtocolBufferException e) {
      throw new ProtocolViolation(ErrorCode.ERROR_CODE_MALFORMED, "node descriptor does not parse");
    }
    validator.checkNode(node);
    MessageValidator.checkVersions(node.getProtocolVersionsList());
    if (!Ed25519.verify(
        node.getPublicKey().toByteArray(),
        CONTEXT,
        hello.getNodeDescriptor().toByteArray(),
        hello.getSignature().toByteArray())) {
      throw new ProtocolViolation(
          ErrorCode.ERROR_CODE_UNAUTHENTICATED, "node descriptor signature does not verify");
    }
    return node;
  }
}
