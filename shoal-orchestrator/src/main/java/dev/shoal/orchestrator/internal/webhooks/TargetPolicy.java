package dev.shoal.orchestrator.internal.webhooks;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Which webhook URLs the orchestrator will call (API.md "Webhooks", "Targets"): {@code http} or
 * {@code https}, no user info, and no host that is, or resolves to, an address inside a network
 * (loopback, RFC 1918, RFC 4193, link-local, CGNAT, multicast, unspecified, broadcast and the IPv6
 * forms that embed those), unless {@code allowPrivate}. Otherwise anyone who may submit a task
 * could make the orchestrator probe its own network. Applied when a task is submitted
 * ({@link #check}) and again for the addresses actually dialled ({@link #resolveChecked}), because
 * a name may resolve differently the second time. Thread-safe.
 */
public final class TargetPolicy {

  /** Resolves a host name; a seam so tests can play a DNS server whose answer changes. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  public static final Resolver SYSTEM_RESOLVER = InetAddress::getAllByName;
  public static final int MAX_URL_LENGTH = 2048;

  private final boolean allowPrivate;
  private final Resolver resolver;

  public TargetPolicy(boolean allowPrivate, Resolver resolver) {
    this.allowPrivate = allowPrivate;
    this.resolver = resolver;
  }

  public TargetPolicy(boolean allowPrivate) {
    this(allowPrivate, SYSTEM_RESOLVER);
  }

  /** The submit-time check: parses {@code url}, resolves its host and checks every address. */
  public WebhookTarget check(String url) {
    WebhookTarget target = parse(url);
    try {
      resolveChecked(target);
    } catch (UnknownHostException e) {
      throw new TargetRefusedException("webhook host " + target.host() + " does not resolve");
    }
    return target;
  }

  /** Checks the URL's shape, and a literal address or {@code localhost}, without DNS. */
  public WebhookTarget parse(String url) {
    if (url == null || url.isEmpty() || url.length() > MAX_URL_LENGTH) {
      throw new TargetRefusedException("webhook url must be 1.." + MAX_URL_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new TargetRefusedException("webhook url is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new TargetRefusedException("webhook url must be http or https");
    }
    if (uri.getRawUserInfo() != null) {
      throw new TargetRefusedException("webhook url must not contain user info (user:password@)");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      // java.net.URI leaves the host out when it is neither a DNS name nor a standard address,
      // which also turns away the numeric shorthands (127.1, 0x7f000001) resolvers accept.
      throw new TargetRefusedException(
          "webhook url has no valid host (a DNS name, a dotted-quad IPv4 or a bracketed IPv6 address)");
    }
    if (uri.getRawFragment() != null) {
      throw new TargetRefusedException("webhook url must not have a fragment");
    }
    boolean https = scheme.equals("https");
    int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
    if (port < 1 || port > 65535) {
      throw new TargetRefusedException("webhook url port must be 1..65535");
    }
    String written = uri.getHost();
    String host;
    InetAddress literal;
    if (written.startsWith("[")) {
      host = written.substring(1, written.length() - 1);
      literal = ipv6Literal(host);
    } else {
      host = written.toLowerCase(Locale.ROOT);
      literal = endsInNumber(host) ? canonicalIpv4(host) : null;
      if (literal == null) {
        requireHostName(host);
      }
    }
    if (literal != null) {
      refuseIfForbidden(host, literal);
    } else if (!allowPrivate && (host.equals("localhost") || host.endsWith(".localhost"))) {
      throw new TargetRefusedException("webhook host " + host + " is this machine");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String requestTarget = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    return new WebhookTarget(https, host, literal, port, uri.getRawAuthority(), requestTarget);
  }

  /** The connect-time check: every address the host resolves to now, each checked, in order. */
  public List<InetAddress> resolveChecked(WebhookTarget target) throws UnknownHostException {
    if (target.literal() != null) {
      refuseIfForbidden(target.host(), target.literal());
      return List.of(target.literal());
    }
    InetAddress[] addresses = resolver.resolve(target.host());
    if (addresses == null || addresses.length == 0) {
      throw new UnknownHostException(target.host());
    }
    // One bad address refuses them all: which one gets dialled is not ours to choose.
    for (InetAddress a : addresses) {
      refuseIfForbidden(target.host(), a);
    }
    return List.of(addresses);
  }

  private void refuseIfForbidden(String host, InetAddress address) {
    String why = allowPrivate ? null : forbiddenReason(address);
    if (why != null) {
      String what = host.equals(address.getHostAddress())
          ? "webhook address " + host + " is a " + why + " address"
          : "webhook host " + host + " is " + address.getHostAddress() + ", a " + why + " address";
      throw new TargetRefusedException(what + " (--webhook-allow-private permits it)");
    }
  }

  /** Why {@code address} may not be called, or null if it may. */
  public static String forbiddenReason(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length == 4) {
      return ipv4Reason(b);
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    if (isZero(b, 0, 16)) {
      return "unspecified";
    }
    if (isZero(b, 0, 15) && b[15] == 1) {
      return "loopback";
    }
    if ((first & 0xfe) == 0xfc) {
      return "unique-local (RFC 4193)";
    }
    if (first == 0xfe && (second & 0xc0) == 0x80) {
      return "link-local";
    }
    if (first == 0xfe && (second & 0xc0) == 0xc0) {
      return "site-local";
    }
    if (first == 0xff) {
      return "multicast";
    }
    // IPv6 forms that carry an IPv4 address: judge the address they carry.
    if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return embedded("IPv4-mapped", b, 12);
    }
    if (isZero(b, 0, 12)) {
      return embedded("IPv4-compatible", b, 12);
    }
    if (first == 0x00 && second == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && isZero(b, 4, 12)) {
      return embedded("NAT64", b, 12);
    }
    if (first == 0x20 && second == 0x02) {
      return embedded("6to4", b, 2);
    }
    return null;
  }

  private static String embedded(String form, byte[] b, int offset) {
    String why = ipv4Reason(new byte[] {b[offset], b[offset + 1], b[offset + 2], b[offset + 3]});
    return why == null ? null : form + " " + why;
  }

  private static String ipv4Reason(byte[] b) {
    int a = b[0] & 0xff;
    int c = b[1] & 0xff;
    if (a == 0) {
      return "unspecified (0.0.0.0/8)";
    }
    if (a == 10 || (a == 172 && (c & 0xf0) == 16) || (a == 192 && c == 168)) {
      return "private (RFC 1918)";
    }
    if (a == 100 && (c & 0xc0) == 64) {
      return "CGNAT (100.64.0.0/10)";
    }
    if (a == 127) {
      return "loopback";
    }
    if (a == 169 && c == 254) {
      return "link-local";
    }
    if (a >= 224 && a < 240) {
      return "multicast";
    }
    if (a >= 240) {
      return "reserved or broadcast (240.0.0.0/4)";
    }
    return null;
  }

  private static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static InetAddress ipv6Literal(String text) {
    if (text.isEmpty() || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
      throw new TargetRefusedException("webhook host [" + text + "] is not an IPv6 address (zone ids are not allowed)");
    }
    try {
      return InetAddress.getByName(text); // a literal: no DNS
    } catch (UnknownHostException e) {
      throw new TargetRefusedException("webhook host [" + text + "] is not an IPv6 address");
    }
  }

  /**
   * A host whose last label is a number is an IPv4 address to URL parsers and to the system's
   * resolver ({@code 127.1}, {@code 0x7f000001} and {@code 2130706433} all mean 127.0.0.1), never a
   * DNS name.
   */
  private static boolean endsInNumber(String host) {
    String last = host.substring(host.lastIndexOf('.') + 1);
    if (last.startsWith("0x")) {
      return last.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }
    return !last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  /** Only the one unambiguous spelling is taken: four decimal parts, no leading zeros. */
  private static InetAddress canonicalIpv4(String host) {
    String[] parts = host.split("\\.", -1);
    byte[] b = new byte[4];
    boolean canonical = parts.length == 4;
    for (int i = 0; canonical && i < 4; i++) {
      String p = parts[i];
      canonical = p.matches("0|[1-9][0-9]{0,2}") && Integer.parseInt(p) <= 255;
      if (canonical) {
        b[i] = (byte) Integer.parseInt(p);
      }
    }
    if (!canonical) {
      throw new TargetRefusedException(
          "webhook host " + host + " is a numeric address in a non-standard form; write it as a dotted quad");
    }
    try {
      return InetAddress.getByAddress(host, b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are always an IPv4 address", e);
    }
  }

  private static void requireHostName(String host) {
    if (host.length() > 253 || host.endsWith(".")) {
      throw new TargetRefusedException("webhook host " + host + " is not a valid host name");
    }
    for (String label : host.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")
          || !label.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        throw new TargetRefusedException("webhook host " + host + " is not a valid host name");
      }
    }
  }
}
