package dev.shoal.client;

import java.util.Base64;
import java.util.Locale;

/**
 * A registered client or fleet owner (API.md "Principals and delegates"): its id ({@code p…},
 * derived from its key), kind, name, Ed25519 public key (standard base64 of the raw 32 bytes, as
 * on the wire) and when it was registered (epoch ms).
 */
public record PrincipalInfo(String id, Kind kind, String name, String publicKey, long createdAt) {

  /** The raw 32-byte public key. */
  public byte[] rawPublicKey() {
    return Base64.getDecoder().decode(publicKey);
  }

  /** What a principal is: a client publishes work and confirms results; a fleet owner owns workers. */
  public enum Kind {
    CLIENT,
    FLEET_OWNER;

    /** {@code client}, {@code fleet_owner}. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The kind named {@code wire}, or null if this SDK does not know it. */
    public static Kind fromWire(String wire) {
      for (Kind k : values()) {
        if (k.wireName().equals(wire)) {
          return k;
        }
      }
      return null;
    }
  }
}
