package dev.shoal.orchestrator.internal.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The start-time rule for the client API's address (API.md "Authentication"): a non-loopback
 * bind without keys would serve anyone who can reach it, so it is refused unless the operator
 * says {@code --allow-unauthenticated-public}.
 */
public final class BindPolicy {

  private BindPolicy() {}

  /** Throws {@link IllegalArgumentException} with what to do when the bind is refused. */
  public static void check(String host, boolean anyKeys, boolean allowUnauthenticatedPublic) {
    if (anyKeys || allowUnauthenticatedPublic || isLoopback(host)) {
      return;
    }
    throw new IllegalArgumentException(
        "refusing to bind the client API to " + host + ": it is not a loopback address and no API key"
            + " exists, so anyone who can reach it could use this orchestrator. Bind 127.0.0.1 and create a"
            + " key first (POST /v1/keys), or pass --allow-unauthenticated-public to accept the risk");
  }

  /**
   * Whether {@code host} means this machine only: every address it resolves to is loopback. The
   * wildcard ({@code 0.0.0.0}, {@code ::}) is not.
   */
  public static boolean isLoopback(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("the bind address is empty");
    }
    try {
      InetAddress[] addresses = InetAddress.getAllByName(host);
      for (InetAddress a : addresses) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return addresses.length > 0;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve the bind address " + host, e);
    }
  }
}
