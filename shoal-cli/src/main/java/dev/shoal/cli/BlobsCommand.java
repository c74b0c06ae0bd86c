package dev.shoal.cli;

import dev.shoal.client.BlobCollection;
import dev.shoal.client.BlobInfo;
import dev.shoal.client.BlobUrl;
import dev.shoal.client.DataStats;
import dev.shoal.client.ShoalClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The data service: blobs stored by content, for jobs to read by reference. */
@Command(
    name = "blobs",
    mixinStandardHelpOptions = true,
    description = {
      "Stores files in the orchestrator's data service and reads them back. A blob is",
      "named by the SHA-256 of its bytes (sha256:<hex>, or the bare hex) and never",
      "changes; jobs read blobs by reference ('jobs map-reduce --blob'), and a blob is",
      "collected once no live job needs it and nobody used it for the result retention.",
      "  shoal blobs put rows.bin        (prints its digest)",
      "  shoal blobs get sha256:… -o rows.bin --range 0-1023"
    },
    subcommands = {
      BlobsCommand.Put.class,
      BlobsCommand.Get.class,
      BlobsCommand.Url.class,
      BlobsCommand.Stats.class,
      BlobsCommand.Gc.class
    })
final class BlobsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Bytes {@code from..to}, inclusive as in HTTP; {@code to} null: to the end. */
  record ByteRange(long from, Long to) {

    /** How many bytes, for a range with an end. */
    long length() {
      return to - from + 1;
    }

    /** {@code FROM-TO} or {@code FROM-}. */
    static final class Converter implements CommandLine.ITypeConverter<ByteRange> {
      @Override
      public ByteRange convert(String value) {
        String v = value.strip();
        int dash = v.indexOf('-');
        try {
          if (dash > 0) {
            long from = Long.parseLong(v.substring(0, dash));
            Long to = dash == v.length() - 1 ? null : Long.parseLong(v.substring(dash + 1));
            if (from >= 0 && (to == null || to >= from)) {
              return new ByteRange(from, to);
            }
          }
        } catch (NumberFormatException e) {
          // Said below, with the form expected.
        }
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a byte range FROM-TO (inclusive, FROM <= TO) or FROM- (to the end)");
      }
    }
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = {"Stores a file (streamed; at most the orchestrator's --max-request-bytes, 256 MiB by default)",
          "and prints its digest, sha256:<hex>; --json prints sha256, size and digest."})
  static final class Put implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The file to store.")
    Path file;

    @Override
    public Integer call() {
      BlobInfo b;
      try (ShoalClient c = client.connect()) {
        b = c.blobs().put(file);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(client.json ? ClientOptions.toJson(asJson(b)) : b.digest());
      return 0;
    }

    static Map<String, Object> asJson(BlobInfo b) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sha256", b.sha256());
      m.put("size", b.size());
      m.put("digest", b.digest());
      return m;
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true,
      description = {"Saves a blob, or a byte range of it, to a file. A whole blob is checked against its",
          "digest, and nothing is written unless it matches."})
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SHA256", description = "The blob: sha256:<hex> or the bare hex.")
    String sha256;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
        description = "Where to save it, replacing what is there (default: a file named by the blob's hex digest).")
    Path outFile;

    @Option(names = "--range", paramLabel = "FROM-TO", converter = ByteRange.Converter.class,
        description = "Only bytes FROM..TO (inclusive), or FROM- to the end.")
    ByteRange range;

    @Override
    public Integer call() {
      String hex = sha256.startsWith("sha256:") ? sha256.substring("sha256:".length()) : sha256;
      Path target = outFile != null ? outFile : Path.of(hex);
      long written;
      try (ShoalClient c = client.connect()) {
        written =
            range == null
                ? c.blobs().get(sha256, target)
                : c.blobs().get(sha256, range.from(), range.to() == null ? Long.MAX_VALUE - range.from() : range.length(), target);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sha256", hex);
        m.put("file", target.toString());
        m.put("from", range == null ? 0 : range.from());
        m.put("bytes", written);
        out.println(ClientOptions.toJson(m));
      } else {
        out.println("wrote " + written + " bytes to " + target);
      }
      return 0;
    }
  }

  @Command(name = "url", mixinStandardHelpOptions = true,
      description = {"Prints a signed URL that opens the blob (or a range of it) with GET and no key,",
          "until it expires. Whoever holds it can read those bytes."})
  static final class Url implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SHA256", description = "The blob: sha256:<hex> or the bare hex.")
    String sha256;

    @Option(names = "--ttl", paramLabel = "SPAN", converter = Expiry.Span.class,
        description = "How long it opens the blob: 90s, 15m, 12h, PT1H; at most 24h (default: the orchestrator's, 15m).")
    Duration ttl;

    @Option(names = "--range", paramLabel = "FROM-TO", converter = ByteRange.Converter.class,
        description = "Only bytes FROM..TO (inclusive).")
    ByteRange range;

    @Override
    public Integer call() {
      if (range != null && range.to() == null) {
        throw new IllegalArgumentException("--range for a URL needs both ends, FROM-TO");
      }
      BlobUrl u;
      try (ShoalClient c = client.connect()) {
        u = range == null ? c.blobs().url(sha256, ttl) : c.blobs().url(sha256, range.from(), range.to(), ttl);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", u.url().toString());
        m.put("from", u.from());
        m.put("to", u.to());
        m.put("expires_at", u.expiresAt());
        out.println(ClientOptions.toJson(m));
      } else {
        out.println(u.url());
      }
      return 0;
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true,
      description = {"What the data service moved since the orchestrator started: bytes served (to workers,",
          "mostly), stored by uploads, and read by validators."})
  static final class Stats implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      DataStats s;
      try (ShoalClient c = client.connect()) {
        s = c.blobs().stats();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytes_served", s.bytesServed());
        m.put("bytes_uploaded", s.bytesUploaded());
        m.put("validation_bytes_read", s.validationBytesRead());
        out.println(ClientOptions.toJson(m));
      } else {
        out.printf("served %d bytes  uploaded %d bytes  read by validators %d bytes%n",
            s.bytesServed(), s.bytesUploaded(), s.validationBytesRead());
      }
      return 0;
    }
  }

  @Command(name = "gc", mixinStandardHelpOptions = true,
      description = {"Collects now instead of at the next sweep (admin scope): deletes every blob no",
          "unfinished job reads or produced and nobody used for the result retention."})
  static final class Gc implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      BlobCollection g;
      try (ShoalClient c = client.connect()) {
        g = c.blobs().collect();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("deleted", g.deleted());
        m.put("bytes_freed", g.bytesFreed());
        m.put("kept", g.kept());
        out.println(ClientOptions.toJson(m));
      } else {
        out.printf("deleted %d blobs (%d bytes freed), kept %d%n", g.deleted(), g.bytesFreed(), g.kept());
      }
      return 0;
    }
  }
}
