package dev.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.protocol.v1.ByteRange;
import dev.shoal.protocol.v1.DataRef;
import dev.shoal.worker.internal.data.DataFetcher;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The data service of protocol 1.2 (inputs by reference, outputs uploaded), each number against a
 * baseline measured in the same run:
 *
 * <ol>
 *   <li><b>transfer</b>: the same bytes moved over loopback from the orchestrator's JVM to this
 *       one, chunk by chunk, by raw TCP (the baseline: NIO socket channels writing from and
 *       reading into direct buffers, so the kernel's copy is the only one) and by the worker's own
 *       {@link DataFetcher}: a signed URL per chunk, exactly as {@code SignedDataLinks} makes them
 *       for a task's input range, and a {@code Range} request to the data service, once read into
 *       a reused array with every check but the digest (the transfer the target is about), once as
 *       a task's input is fetched, into a fresh array and checked against the range's SHA-256.
 *       SHA-256 over the same chunks in memory says what the digest alone costs;
 *   <li><b>validation egress</b>: a batch of {@code tensor.relu@1} tasks whose inputs are stored
 *       blob ranges and whose outputs are large enough that the worker uploads them, run by a real
 *       worker; the bytes the orchestrator's validators read from its data service ({@code GET
 *       /v1/data} {@code validation_bytes_read}) as a fraction of the output bytes.
 * </ol>
 *
 * <p>The orchestrator (and beside it, in its JVM, the raw server) and the worker each run in a JVM
 * of their own; this JVM is the client of the transfer part, playing the worker: it fetches with
 * the worker's {@code DataFetcher}.
 *
 * <p>Prints a table and writes JSON. Run with {@code ./mvnw -B -q -pl shoal-bench -am -Pbench
 * -DskipTests -Dbench.dataOnly=true verify}, or {@code DataBenchmarks [--smoke] <out.json>}; {@code
 * --smoke} moves a few MiB only, to check that the harness works.
 */
public final class DataBenchmarks {

  /** How much to move and how often. */
  record Settings(int totalBytes, int chunkBytes, int warmup, int repetitions, int reluItems, int reluElements, int slots) {
    /** 256 MiB in 16 chunks of 16 MiB; a batch of 16 relu tasks of 4 MiB in and out each. */
    static final Settings FULL = new Settings(256 << 20, 16 << 20, 2, 7, 16, 1 << 20, 2);
    /** Enough to exercise every path once, in seconds. Outputs of 2 MiB, still over the inline limit. */
    static final Settings SMOKE = new Settings(8 << 20, 4 << 20, 1, 1, 2, 1 << 19, 2);
  }

  /** The targets: a worker's fetch at least half of raw loopback; validation reads at most 5 % of the outputs. */
  static final double TRANSFER_TARGET = 0.5;
  static final double EGRESS_TARGET = 0.05;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(2);

  private DataBenchmarks() {}

  public static void main(String[] args) throws Exception {
    BenchRun.main(args, "data-benchmarks.json", smoke -> run(smoke ? Settings.SMOKE : Settings.FULL));
  }

  /** Runs both measurements and prints them; returns what was measured. */
  static Map<String, Object> run(Settings s) throws Exception {
    if (s.equals(Settings.SMOKE)) {
      System.out.println("smoke mode: a few MiB on cold JVMs, to check the harness; the numbers mean nothing");
    }
    if (s.totalBytes() % s.chunkBytes() != 0) {
      throw new IllegalArgumentException("the total must be a whole number of chunks");
    }
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("started_at", Instant.now().toString());
    results.put("cores", Runtime.getRuntime().availableProcessors());
    results.put("jdk", Runtime.version().toString());
    results.put("settings", s.toString());
    GatewayBenchmarks.load(results, "load_average_at_start");

    byte[] payload = new byte[s.totalBytes()];
    new SplittableRandom(42).nextBytes(payload);
    Path payloadFile = Files.createTempFile("shoal-data-bench-", ".bin");
    Files.write(payloadFile, payload);
    try (ChildJvm orchestrator = ChildJvm.start("2g", DataNode.class, Duration.ofSeconds(120), "orchestrator", payloadFile.toString())) {
      // The child holds the bytes in memory now.
      Files.delete(payloadFile);
      Map<String, String> ports = GatewayBenchmarks.fields(orchestrator.readyLine());
      String base = "http://127.0.0.1:" + ports.get("http");
      HttpClient api = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

      transfer(s, payload, base, Integer.parseInt(ports.get("raw")), api, results);
      GatewayBenchmarks.load(results, "load_average_after_transfer");

      try (ChildJvm worker =
          ChildJvm.start("1g", DataNode.class, Duration.ofSeconds(60), "worker", "127.0.0.1:" + ports.get("grpc"),
              String.valueOf(s.slots()))) {
        egress(s, base, api, results);
      }
      GatewayBenchmarks.load(results, "load_average_at_end");
    } finally {
      Files.deleteIfExists(payloadFile);
    }
    return results;
  }

  // ------------------------------------------------------------------ 1. transfer

  /** One way of moving one chunk; returns the bytes it moved. */
  @FunctionalInterface
  interface Move {
    long chunk(int i) throws Exception;
  }

  static void transfer(
      Settings s, byte[] payload, String base, int rawPort, HttpClient api, Map<String, Object> results)
      throws Exception {
    String sha = upload(api, base, payload);
    int chunks = s.totalBytes() / s.chunkBytes();
    // As SignedDataLinks makes a task's input: a URL signed for exactly the range, the range and
    // its digest in the ref; the ref's expiry is the URL's.
    List<DataRef> refs = new ArrayList<>(chunks);
    for (int i = 0; i < chunks; i++) {
      long from = (long) i * s.chunkBytes();
      long to = from + s.chunkBytes() - 1;
      JsonNode url = postJson(api, base + "/v1/blobs/" + sha + "/url",
          JSON.createObjectNode().put("from", from).put("to", to).put("ttl_ms", TimeUnit.HOURS.toMillis(2)), 201);
      refs.add(
          DataRef.newBuilder()
              .setUri(base + url.get("url").asText())
              .setDigest("sha256:" + sha)
              .setSize(payload.length)
              .setRange(ByteRange.newBuilder().setOffset(from).setLength(s.chunkBytes()))
              .setRangeDigest("sha256:" + sha256(payload, (int) from, s.chunkBytes()))
              .setExpiresAtMs(url.get("expires_at").asLong())
              .build());
    }
    long servedBefore = data(api, base).get("bytes_served").asLong();

    DataFetcher fetcher = new DataFetcher(System::currentTimeMillis);
    byte[] reused = new byte[s.chunkBytes()];
    ByteBuffer reusedDirect = ByteBuffer.allocateDirect(s.chunkBytes());
    ByteBuffer rawRequest = ByteBuffer.allocate(16);

    try (SocketChannel raw = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), rawPort))) {
      Map<String, Move> moves = new LinkedHashMap<>();
      // The baseline: NIO channels and direct buffers on both ends, so the kernel's copy is the only one.
      moves.put("raw_tcp", i -> {
        long from = (long) i * s.chunkBytes();
        rawRequest.clear().putLong(from).putLong(s.chunkBytes()).flip();
        while (rawRequest.hasRemaining()) {
          raw.write(rawRequest);
        }
        reusedDirect.clear();
        while (reusedDirect.hasRemaining()) {
          if (raw.read(reusedDirect) < 0) {
            throw new IllegalStateException("the raw server closed after " + reusedDirect.position() + " of " + s.chunkBytes() + " bytes");
          }
        }
        if (reusedDirect.flip().mismatch(ByteBuffer.wrap(payload, (int) from, s.chunkBytes())) >= 0) {
          throw new IllegalStateException("the raw server sent other bytes than the payload's");
        }
        return s.chunkBytes();
      });
      // The worker's exchange without the digest: signed URL, Range, the data service's answer
      // checked (206, Content-Length) and read into a reused array.
      moves.put("shoal_transfer", i -> {
        int moved = fetcher.transferUnverified(refs.get(i), FETCH_TIMEOUT, reused);
        int from = i * s.chunkBytes();
        if (!Arrays.equals(reused, 0, s.chunkBytes(), payload, from, from + s.chunkBytes())) {
          throw new IllegalStateException("the data service sent other bytes than the payload's");
        }
        return moved;
      });
      moves.put("shoal_data_fetcher", i -> fetcher.fetch(refs.get(i), FETCH_TIMEOUT).length);
      moves.put("sha256_in_memory", i -> {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(payload, i * s.chunkBytes(), s.chunkBytes());
        TrustBenchmarks.sink = md.digest();
        return s.chunkBytes();
      });

      List<String> names = List.copyOf(moves.keySet());
      double[][] mbPerS = new double[names.size()][s.repetitions()];
      for (int rep = -s.warmup(); rep < s.repetitions(); rep++) {
        // Chunk by chunk, every column moves the same chunk before the next, which one goes first
        // rotating: a burst of load from elsewhere on the machine falls on all columns alike.
        long[] nanos = new long[names.size()];
        long[] moved = new long[names.size()];
        for (int i = 0; i < chunks; i++) {
          for (int k = 0; k < names.size(); k++) {
            int col = Math.floorMod(k + i + rep, names.size());
            long t0 = System.nanoTime();
            moved[col] += moves.get(names.get(col)).chunk(i);
            nanos[col] += System.nanoTime() - t0;
          }
        }
        for (int col = 0; col < names.size(); col++) {
          if (moved[col] != s.totalBytes()) {
            throw new IllegalStateException(names.get(col) + " moved " + moved[col] + " of " + s.totalBytes() + " bytes");
          }
          if (rep >= 0) {
            mbPerS[col][rep] = moved[col] / 1e6 / (nanos[col] / 1e9);
          }
        }
      }
      rawRequest.clear().putLong(0).putLong(-1).flip();
      raw.write(rawRequest);

      long served = data(api, base).get("bytes_served").asLong() - servedBefore;
      long expectedServed = 2L * (s.warmup() + s.repetitions()) * s.totalBytes();
      if (served != expectedServed) {
        throw new IllegalStateException("the data service served " + served + " bytes, not the " + expectedServed + " asked for");
      }

      Map<String, Object> r = new LinkedHashMap<>();
      r.put("total_bytes", s.totalBytes());
      r.put("chunk_bytes", s.chunkBytes());
      r.put("chunks", chunks);
      r.put("warm_up_repetitions", s.warmup());
      r.put("repetitions", s.repetitions());
      r.put("unit", "MB/s, MB = 10^6 bytes; median of the repetitions");
      double[] median = new double[names.size()];
      for (int c = 0; c < names.size(); c++) {
        median[c] = TrustBenchmarks.medianOf(mbPerS[c]);
        Map<String, Object> col = new LinkedHashMap<>();
        col.put("mb_per_s", Math.round(median[c]));
        col.put("runs", Arrays.stream(mbPerS[c]).mapToLong(Math::round).toArray());
        r.put(names.get(c), col);
      }
      double rawMb = median[names.indexOf("raw_tcp")];
      double transferMb = median[names.indexOf("shoal_transfer")];
      double fetchMb = median[names.indexOf("shoal_data_fetcher")];
      double shaMb = median[names.indexOf("sha256_in_memory")];
      double ratio = transferMb / rawMb;
      double verifiedRatio = fetchMb / rawMb;
      r.put("ratio_transfer_to_raw", Benchmarks.ratio(transferMb, rawMb));
      r.put("ratio_transfer_to_raw_per_repetition", perRepetition(mbPerS, names, "shoal_transfer"));
      r.put("ratio_verified_fetch_to_raw", Benchmarks.ratio(fetchMb, rawMb));
      r.put("ratio_verified_fetch_to_raw_per_repetition", perRepetition(mbPerS, names, "shoal_data_fetcher"));
      r.put("ratio_sha256_to_raw", Benchmarks.ratio(shaMb, rawMb));
      // Moving the bytes and then hashing them, one after the other, as two busy cores allow.
      double serial = 1 / (1 / transferMb + 1 / shaMb);
      r.put("transfer_then_sha256_serial_mb_per_s", Math.round(serial));
      r.put("target", "transfer ratio >= " + TRANSFER_TARGET);
      r.put("met", ratio >= TRANSFER_TARGET);
      results.put("transfer", r);
      System.out.printf(
          "transfer (MB/s, median of %d, %d x %d MiB)  raw TCP %.0f | Shoal transfer %.0f: ratio %.2f (per repetition %s),"
              + " target >= %.2f: %s | verified fetch %.0f: %.2f (transfer then SHA-256 in series: %.0f) | SHA-256 alone %.0f: %.2f%n",
          s.repetitions(), chunks, s.chunkBytes() >> 20, rawMb, transferMb, ratio,
          Arrays.toString(perRepetition(mbPerS, names, "shoal_transfer")), TRANSFER_TARGET, ratio >= TRANSFER_TARGET ? "yes" : "NO",
          fetchMb, verifiedRatio, serial, shaMb, shaMb / rawMb);
      for (int c = 0; c < names.size(); c++) {
        System.out.printf("  %-22s runs %s%n", names.get(c), Arrays.toString(Arrays.stream(mbPerS[c]).mapToLong(Math::round).toArray()));
      }
    }
  }

  /** A column's ratio to raw TCP per repetition: both ran in the same repetition, minutes apart at most. */
  private static double[] perRepetition(double[][] mbPerS, List<String> names, String column) {
    double[] raw = mbPerS[names.indexOf("raw_tcp")];
    double[] col = mbPerS[names.indexOf(column)];
    double[] r = new double[raw.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = Math.round(col[i] / raw[i] * 100) / 100.0;
    }
    return r;
  }

  // ------------------------------------------------------------------ 2. validation egress

  static void egress(Settings s, String base, HttpClient api, Map<String, Object> results) throws Exception {
    int items = s.reluItems();
    int n = s.reluElements();
    long itemBytes = 4L * n;
    // Float32 in [-1, 1): relu keeps about half the elements and zeroes the rest.
    ByteBuffer floats = ByteBuffer.allocate(Math.toIntExact(items * itemBytes)).order(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom random = new SplittableRandom(7);
    while (floats.hasRemaining()) {
      floats.putFloat((float) (random.nextDouble() * 2 - 1));
    }
    String sha = upload(api, base, floats.array());

    ObjectNode submission = JSON.createObjectNode();
    ObjectNode batch = submission.putObject("batch");
    batch.put("operator", "tensor.relu@1");
    ArrayNode list = batch.putArray("items");
    for (int i = 0; i < items; i++) {
      ObjectNode item = list.addObject();
      item.put("blob", "sha256:" + sha);
      item.put("dtype", "float32");
      item.putArray("shape").add(n);
      item.put("offset", i * itemBytes);
    }

    JsonNode before = data(api, base);
    long t0 = System.nanoTime();
    String id = postJson(api, base + "/v1/jobs", submission, 202).get("id").asText();
    JsonNode job;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (true) {
      job = getJson(api, base + "/v1/jobs/" + id);
      if (!job.get("state").asText().equals("running")) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the relu batch did not finish in 10 minutes: " + job);
      }
      Thread.sleep(20);
    }
    long t1 = System.nanoTime();
    if (!job.get("state").asText().equals("succeeded")) {
      throw new IllegalStateException("the relu batch ended " + job);
    }
    JsonNode after = data(api, base);

    long outputBytes = items * itemBytes;
    long inputBytes = items * itemBytes;
    long validation = after.get("validation_bytes_read").asLong() - before.get("validation_bytes_read").asLong();
    long uploaded = after.get("bytes_uploaded").asLong() - before.get("bytes_uploaded").asLong();
    long served = after.get("bytes_served").asLong() - before.get("bytes_served").asLong();
    if (uploaded < outputBytes) {
      throw new IllegalStateException("the worker uploaded " + uploaded + " bytes, less than the " + outputBytes + " of output");
    }
    double ratio = (double) validation / outputBytes;
    double seconds = (t1 - t0) / 1e9;

    Map<String, Object> r = new LinkedHashMap<>();
    r.put("operator", "tensor.relu@1");
    r.put("tasks", items);
    r.put("output_bytes_per_task", itemBytes);
    r.put("output_bytes", outputBytes);
    r.put("input_bytes_by_reference", inputBytes);
    r.put("attempts", job.get("attempts").asLong());
    r.put("bytes_uploaded", uploaded);
    r.put("bytes_served", served);
    r.put("validation_bytes_read", validation);
    r.put("validation_bytes_per_output_byte", Math.round(ratio * 10_000) / 10_000.0);
    r.put("job_seconds", Math.round(seconds * 1000) / 1000.0);
    r.put("target", "validation_bytes_read / output_bytes <= " + EGRESS_TARGET);
    r.put("met", ratio <= EGRESS_TARGET);
    results.put("validation_egress", r);
    System.out.printf(
        "validation egress  %d x tensor.relu@1, %d MiB out each (%d MiB in, by reference): output %d B, uploaded %d B,"
            + " served %d B, validation read %d B = %.1f %% of the output (target <= %.0f %%: %s); %d attempts, job %.2f s%n",
        items, itemBytes >> 20, itemBytes >> 20, outputBytes, uploaded, served, validation, ratio * 100, EGRESS_TARGET * 100,
        ratio <= EGRESS_TARGET ? "yes" : "NO", job.get("attempts").asLong(), seconds);
  }

  // ------------------------------------------------------------------ HTTP helpers

  /** {@code POST /v1/blobs} with the digest promised; returns the digest the service computed. */
  static String upload(HttpClient api, String base, byte[] bytes) throws Exception {
    String sha = sha256(bytes, 0, bytes.length);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/v1/blobs"))
            .header("Content-Type", "application/octet-stream")
            .header("Shoal-Content-Sha256", sha)
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
            .build();
    HttpResponse<String> r = api.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201 && r.statusCode() != 200) {
      throw new IllegalStateException("POST /v1/blobs: HTTP " + r.statusCode() + " " + r.body());
    }
    String stored = JSON.readTree(r.body()).get("sha256").asText();
    if (!stored.equals(sha)) {
      throw new IllegalStateException("the data service stored " + stored + ", not " + sha);
    }
    return sha;
  }

  static JsonNode data(HttpClient api, String base) throws Exception {
    return getJson(api, base + "/v1/data");
  }

  static JsonNode getJson(HttpClient api, String url) throws Exception {
    HttpResponse<String> r = api.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + url + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  static JsonNode postJson(HttpClient api, String url, JsonNode body, int expected) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build();
    HttpResponse<String> r = api.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new IllegalStateException("POST " + url + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  static String sha256(byte[] bytes, int offset, int length) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(bytes, offset, length);
    return HexFormat.of().formatHex(md.digest());
  }
}
