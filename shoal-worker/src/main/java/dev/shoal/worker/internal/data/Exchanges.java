package dev.shoal.worker.internal.data;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One HTTP exchange with the data service, over by a deadline, body included. */
final class Exchanges {

  private Exchanges() {}

  /**
   * Sends {@code request} and waits for the whole response, body included, for at most {@code
   * timeout}. The request's own timeout only covers the response's headers, so a server that
   * stalls mid-body would otherwise hold the caller forever.
   *
   * @throws TimeoutException no complete response in time; the exchange was aborted
   * @throws IOException the connection failed or the body was refused
   * @throws InterruptedException the caller was interrupted; the exchange was aborted
   */
  static <T> HttpResponse<T> send(
      HttpClient http, HttpRequest request, HttpResponse.BodyHandler<T> body, Duration timeout)
      throws TimeoutException, IOException, InterruptedException {
    CompletableFuture<HttpResponse<T>> sent = http.sendAsync(request, body);
    try {
      return sent.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | InterruptedException e) {
      // Aborts the exchange and closes its connection: nothing keeps downloading for nobody.
      sent.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      // An unreachable host is the service's failure, not the caller running out of time.
      if (cause instanceof HttpConnectTimeoutException c) {
        throw c;
      }
      if (cause instanceof HttpTimeoutException t) {
        throw new TimeoutException(t.getMessage());
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause.toString(), cause);
    }
  }

  /** An http(s) URL with a host, or null: the worker speaks to nothing else. */
  static URI httpUrl(String s) {
    try {
      URI u = new URI(s);
      String scheme = u.getScheme();
      boolean http = "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
      return http && u.getHost() != null ? u : null;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  /**
   * A URL as messages and logs show it: without its query, which for a signed URL holds the
   * signature, a credential for as long as it lives.
   */
  static String where(String uri) {
    int q = uri.indexOf('?');
    String s = q < 0 ? uri : uri.substring(0, q) + "?…";
    return s.length() <= 200 ? s : s.substring(0, 199) + "…";
  }
}
