package dev.shoal.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Signs a client's rating of a worker the way the orchestrator verifies it (PROTOCOL.md,
 * "Reputation ledger"): Ed25519 over {@code "shoal.v1.ledger\0" || statement}, with the statement
 * {@code author (32 bytes), u32 len, subject, u32 len, "rating", u64 score bits, u32 len,
 * comment, u64 at}. Kept here, in a few lines, so the SDK needs no protobuf or gRPC.
 */
final class Ratings {

  private static final byte[] CONTEXT = "shoal.v1.ledger\0".getBytes(StandardCharsets.US_ASCII);

  private Ratings() {}

  /** The JSON body for {@code POST /v1/peers/{peer}/ratings}, signed by {@code author}. */
  static String body(KeyPair author, String subject, double score, String comment, long at) {
    byte[] encoded = author.getPublic().getEncoded();
    byte[] key = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    byte[] s = subject.getBytes(StandardCharsets.UTF_8);
    byte[] k = "rating".getBytes(StandardCharsets.UTF_8);
    byte[] c = comment.getBytes(StandardCharsets.UTF_8);
    byte[] statement =
        ByteBuffer.allocate(32 + 4 + s.length + 4 + k.length + 8 + 4 + c.length + 8)
            .put(key)
            .putInt(s.length)
            .put(s)
            .putInt(k.length)
            .put(k)
            .putLong(Double.doubleToLongBits(score))
            .putInt(c.length)
            .put(c)
            .putLong(at)
            .array();
    byte[] signature;
    try {
      Signature sig = Signature.getInstance("Ed25519");
      sig.initSign(author.getPrivate());
      sig.update(CONTEXT);
      sig.update(statement);
      signature = sig.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("author must be an Ed25519 key pair: " + e.getMessage(), e);
    }
    HexFormat hex = HexFormat.of();
    return new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
        .put("author", hex.formatHex(key))
        .put("score", score)
        .put("comment", comment)
        .put("at", at)
        .put("signature", hex.formatHex(signature))
        .toString();
  }
}
