package dev.shoal.client.internal;

import java.util.Locale;

/** Compares a {@code Content-Type} header with a media type, ignoring case and parameters. */
public final class MediaTypes {

  private MediaTypes() {}

  public static boolean is(String header, String mediaType) {
    if (header == null) {
      return false;
    }
    int semicolon = header.indexOf(';');
    String type = (semicolon < 0 ? header : header.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    return type.equals(mediaType);
  }
}
