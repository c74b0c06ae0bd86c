package dev.shoal.cli;

import java.util.Locale;
import picocli.CommandLine;

/** A size in bytes, written plainly or with a binary suffix: {@code 4096}, {@code 512k}, {@code 16m}, {@code 4g}. */
final class ByteSize implements CommandLine.ITypeConverter<Long> {

  @Override
  public Long convert(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.endsWith("b")) {
      v = v.substring(0, v.length() - 1);
    }
    int shift = 0;
    if (!v.isEmpty()) {
      switch (v.charAt(v.length() - 1)) {
        case 'k' -> shift = 10;
        case 'm' -> shift = 20;
        case 'g' -> shift = 30;
        default -> {}
      }
    }
    String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
    if (!digits.matches("[0-9]{1,12}")) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a size such as 4096, 512k, 16m or 4g");
    }
    return Long.parseLong(digits) << shift;
  }
}
