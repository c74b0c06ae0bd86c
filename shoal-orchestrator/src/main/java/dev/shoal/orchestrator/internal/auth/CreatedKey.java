package dev.shoal.orchestrator.internal.auth;

/** A key just created, with the one copy of its token ({@code shk_<id>_<secret>}) there will ever be. */
public record CreatedKey(ApiKey key, String token) {

  @Override
  public String toString() {
    return "CreatedKey[" + key + ", token=<hidden>]";
  }
}
