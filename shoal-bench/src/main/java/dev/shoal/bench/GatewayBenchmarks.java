package dev.shoal.bench;

import dev.shoal.testkit.StandInProcess;
import dev.shoal.testkit.StandInReply;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Shoal as an OpenAI-compatible gateway (issue 4, section 7): the same chat completion requests
 * sent to an upstream server directly and through Shoal, alternately, in the same run.
 *
 * <p>The upstream is the testkit's stand-in server (16 content chunks per stream, no delay) in a
 * JVM of its own. Shoal is an orchestrator and one worker, each in a JVM of its own too, as they
 * are deployed: this JVM holds only the client, so a pause for garbage the orchestrator made
 * lands on the requests that went through it, not on the direct ones measured beside them.
 *
 * <ol>
 *   <li>latency, one request at a time, direct and through Shoal alternating (which one goes
 *       first alternates too): time to first token and to {@code [DONE]} of a stream, and the
 *       latency of a request that is not streamed;
 *   <li>where the added latency sits: requests that stop short of the whole path;
 *   <li>CPU time and sleeps per request, by process, and by thread for Shoal's two;
 *   <li>requests per second with a fixed number of concurrent clients, phases of direct and
 *       through Shoal alternating.
 * </ol>
 *
 * Prints tables and writes JSON. Run with {@code ./mvnw -B -q -pl shoal-bench -am -Pbench
 * -DskipTests -Dbench.gatewayOnly=true verify}, or {@code GatewayBenchmarks [--smoke] <out.json>};
 * {@code --smoke} runs a few requests of each kind only, to check that the harness works.
 */
public final class GatewayBenchmarks {

  /** How much to measure. */
  record Settings(int warmup, int samples, int cpuRequests, Duration phase, int rounds, int concurrency, int slots) {
    /**
     * Thousands of samples for a stable p99, within a few minutes. The warm-up sends Shoal 24 000
     * requests first: after 6 000 its methods were still being compiled, and the first measured
     * rows came out with a p99 up to 2 ms worse than the same rows a minute later.
     */
    static final Settings FULL = new Settings(6_000, 10_000, 3_000, Duration.ofSeconds(5), 3, 8, 16);
    /** Enough to exercise every path once, in seconds. */
    static final Settings SMOKE = new Settings(10, 30, 10, Duration.ofMillis(300), 1, 8, 16);
  }

  static final String MODEL = "bench-llm";
  /** 14 words: with the stand-in's "You said:" the answer has 16 words, one per chunk. */
  static final String PROMPT = "the quick brown fox jumps over the lazy dog and then runs far away";

  static final int CHUNKS = 16;

  /** Issue 4's targets, in milliseconds added to the direct request. */
  static final double TTFT_P50_TARGET_MS = 1.0;
  static final double TTFT_P99_TARGET_MS = 3.0;
  static final double STREAM_DONE_TARGET_MS = 2.0;
  static final double WHOLE_P50_TARGET_MS = 0.75;

  private GatewayBenchmarks() {}

  public static void main(String[] args) throws Exception {
    BenchRun.main(args, "gateway-benchmarks.json", smoke -> run(smoke ? Settings.SMOKE : Settings.FULL));
  }

  /** Runs every measurement and prints the table; returns what it measured. */
  static Map<String, Object> run(Settings s) throws Exception {
    if (s.equals(Settings.SMOKE)) {
      System.out.println("smoke mode: a few requests per kind on cold JVMs, to check the harness; the numbers mean nothing");
    }
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("started_at", Instant.now().toString());
    results.put("cores", Runtime.getRuntime().availableProcessors());
    results.put("jdk", Runtime.version().toString());
    results.put("settings", s.toString());
    String expected = StandInReply.of(PROMPT, PROMPT, -1, CHUNKS).text();
    OpenAiProbe probe = new OpenAiProbe(MODEL, PROMPT, expected, CHUNKS);
    try (StandInProcess upstream = StandInProcess.start("--models", MODEL, "--chunks", String.valueOf(CHUNKS), "--delay-ms", "0");
        ChildJvm orchestrator = ChildJvm.start("2g", GatewayNode.class, Duration.ofSeconds(60), "orchestrator")) {
      Map<String, String> ports = fields(orchestrator.readyLine());
      try (ChildJvm worker =
          ChildJvm.start(
              "512m", GatewayNode.class, Duration.ofSeconds(60), "worker", "127.0.0.1:" + ports.get("grpc"),
              String.valueOf(s.slots()), upstream.baseUrl(), MODEL)) {
        URI direct = URI.create(upstream.baseUrl());
        URI shoal = URI.create("http://127.0.0.1:" + ports.get("http") + "/v1");
        Map<String, ProcessHandle> processes = new LinkedHashMap<>();
        processes.put("client", ProcessHandle.current());
        processes.put("upstream", ProcessHandle.of(upstream.pid()).orElseThrow());
        processes.put("orchestrator", ProcessHandle.of(orchestrator.pid()).orElseThrow());
        processes.put("worker", ProcessHandle.of(worker.pid()).orElseThrow());
        results.put("processes", processes.keySet());
        load(results, "load_average_at_start");
        // Two clients, interleaved: a lean one (how load generators measure) and the JDK's (what
        // a Java application on the same two cores sees). BENCHMARKS.md "Measuring client".
        latency(
            s,
            List.of(
                new Client("plain client", "", new OpenAiProbe(MODEL, PROMPT, expected, CHUNKS, true)),
                new Client("JDK client", "jdk_client_", probe)),
            direct, shoal, results);
        decomposition(s, probe, direct, shoal, results);
        load(results, "load_average_after_latency");
        cpu(s, probe, direct, shoal, processes, results);
        throughput(s, probe, direct, shoal, results);
        load(results, "load_average_at_end");
        results.put("client_pool_race_retries", probe.poolRaceRetries());
        System.out.printf("%-34s %d%n", "client_pool_race_retries", probe.poolRaceRetries());
      }
    }
    return results;
  }

  // ------------------------------------------------------------------ latency

  /** A client the latency rows are measured with; its rows' JSON keys start with {@code keyPrefix}. */
  record Client(String name, String keyPrefix, OpenAiProbe probe) {}

  /** One client's columns: time to first token, to [DONE], and a whole answer, direct and through Shoal. */
  private static final class Columns {
    final long[] ttftDirect;
    final long[] ttftShoal;
    final long[] doneDirect;
    final long[] doneShoal;
    final long[] wholeDirect;
    final long[] wholeShoal;

    Columns(int n) {
      ttftDirect = new long[n];
      ttftShoal = new long[n];
      doneDirect = new long[n];
      doneShoal = new long[n];
      wholeDirect = new long[n];
      wholeShoal = new long[n];
    }
  }

  /**
   * The latency rows, for each client: every iteration sends, with each client in turn, a stream
   * and a whole answer both directly and through Shoal, so no client and no path always runs on
   * a warmer or quieter machine than another.
   */
  static void latency(Settings s, List<Client> clients, URI direct, URI shoal, Map<String, Object> results) throws Exception {
    List<Columns> columns = new ArrayList<>();
    for (int c = 0; c < clients.size(); c++) {
      columns.add(new Columns(s.samples()));
    }
    for (int i = -s.warmup(); i < s.samples(); i++) {
      // ABAB, and which of the two goes first alternates, so neither always follows the other.
      boolean directFirst = (i & 1) == 0;
      for (int c = 0; c < clients.size(); c++) {
        OpenAiProbe probe = clients.get(c).probe();
        OpenAiProbe.Streamed sd;
        OpenAiProbe.Streamed ss;
        if (directFirst) {
          sd = probe.stream(direct);
          ss = probe.stream(shoal);
        } else {
          ss = probe.stream(shoal);
          sd = probe.stream(direct);
        }
        long wd;
        long ws;
        if (directFirst) {
          wd = probe.whole(direct);
          ws = probe.whole(shoal);
        } else {
          ws = probe.whole(shoal);
          wd = probe.whole(direct);
        }
        if (i >= 0) {
          Columns col = columns.get(c);
          col.ttftDirect[i] = sd.firstTokenNanos();
          col.ttftShoal[i] = ss.firstTokenNanos();
          col.doneDirect[i] = sd.doneNanos();
          col.doneShoal[i] = ss.doneNanos();
          col.wholeDirect[i] = wd;
          col.wholeShoal[i] = ws;
        }
      }
    }
    results.put("samples_per_column", s.samples());
    results.put("warmup_per_column", s.warmup());
    for (int c = 0; c < clients.size(); c++) {
      Client client = clients.get(c);
      Columns col = columns.get(c);
      System.out.printf(
          "%-34s %17s | %17s | %17s | %-22s | %s%n", "gateway latency (ms), " + client.name(), "direct p50 / p99",
          "Shoal p50 / p99", "added p50 / p99", "target (added)", "met?");
      String k = client.keyPrefix();
      results.put(k + "streaming_time_to_first_token", row("streaming, time to first token", col.ttftDirect, col.ttftShoal,
          TTFT_P50_TARGET_MS, TTFT_P99_TARGET_MS));
      results.put(k + "streaming_16_chunks_to_done", row("16-chunk stream, until [DONE]", col.doneDirect, col.doneShoal,
          STREAM_DONE_TARGET_MS, Double.NaN));
      results.put(k + "non_streaming", row("not streamed, whole answer", col.wholeDirect, col.wholeShoal,
          WHOLE_P50_TARGET_MS, Double.NaN));
    }
  }

  /** One table row: percentiles of both columns, the difference, and whether it meets the target. */
  static Map<String, Object> row(String name, long[] direct, long[] shoal, double p50TargetMs, double p99TargetMs) {
    double d50 = Benchmarks.p(direct, 50) / 1000;
    double d99 = Benchmarks.p(direct, 99) / 1000;
    double s50 = Benchmarks.p(shoal, 50) / 1000;
    double s99 = Benchmarks.p(shoal, 99) / 1000;
    double added50 = s50 - d50;
    double added99 = s99 - d99;
    boolean met = added50 <= p50TargetMs && (Double.isNaN(p99TargetMs) || added99 <= p99TargetMs);
    String target = "p50 <= " + p50TargetMs + (Double.isNaN(p99TargetMs) ? "" : ", p99 <= " + p99TargetMs);
    System.out.printf(
        "%-34s %7.3f / %7.3f | %7.3f / %7.3f | %7.3f / %7.3f | %-22s | %s%n",
        name, d50, d99, s50, s99, added50, added99, target, met ? "yes" : "NO");
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("direct_us", Benchmarks.percentiles(direct));
    r.put("shoal_us", Benchmarks.percentiles(shoal));
    r.put("added_p50_ms", round3(added50));
    r.put("added_p99_ms", round3(added99));
    r.put("target", target + " ms added");
    r.put("met", met);
    return r;
  }

  // ------------------------------------------------------------------ decomposition

  /** A job of one no-op task, run and waited for: the mesh's round trip without the upstream. */
  private static final byte[] NOOP_TASK = "{\"operator\":\"shoal.noop@1\",\"inputs\":[]}".getBytes(StandardCharsets.US_ASCII);

  /**
   * Where the added latency sits, by requests that stop short of the whole path, interleaved
   * like the others: a tiny JSON answer from each HTTP server (the upstream's {@code GET
   * /v1/models}, Shoal's {@code GET /v1/health}, which stays out of the core), and a no-op task
   * through {@code POST /v1/tasks/run}: HTTP, dispatch to the worker, a signed result checked
   * and answered, with no upstream behind it.
   */
  static void decomposition(Settings s, OpenAiProbe probe, URI direct, URI shoal, Map<String, Object> results)
      throws Exception {
    int n = s.samples() / 2;
    URI models = URI.create(direct + "/models");
    URI health = URI.create(shoal + "/health");
    URI run = URI.create(shoal + "/tasks/run");
    long[] upstreamHttp = new long[n];
    long[] shoalHttp = new long[n];
    long[] noop = new long[n];
    for (int i = -Math.min(s.warmup(), n); i < n; i++) {
      long u = probe.other(models, null);
      long h = probe.other(health, null);
      long t = probe.other(run, NOOP_TASK);
      if (i >= 0) {
        upstreamHttp[i] = u;
        shoalHttp[i] = h;
        noop[i] = t;
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("samples", n);
    r.put("upstream_get_models_us", Benchmarks.percentiles(upstreamHttp));
    r.put("shoal_get_health_us", Benchmarks.percentiles(shoalHttp));
    r.put("shoal_noop_task_run_us", Benchmarks.percentiles(noop));
    results.put("decomposition", r);
    System.out.printf(
        "%-34s upstream GET /v1/models p50 %.3f | Shoal GET /v1/health p50 %.3f | Shoal no-op task run p50 %.3f (p99 %.3f)%n",
        "decomposition (ms)", Benchmarks.p(upstreamHttp, 50) / 1000, Benchmarks.p(shoalHttp, 50) / 1000,
        Benchmarks.p(noop, 50) / 1000, Benchmarks.p(noop, 99) / 1000);
  }

  // ------------------------------------------------------------------ CPU per request

  /**
   * Where the time goes, by process: {@code cpuRequests} requests of one kind one after another,
   * and the CPU time each JVM used meanwhile (Linux counts it in 10 ms ticks, so blocks last
   * seconds) and how often its threads went to sleep to wait for another, per request: each such
   * hand-over costs a wake-up's latency and, on these virtual machines, tens of µs of kernel
   * CPU. For requests through Shoal, the orchestrator's and the worker's figures are also split
   * by thread. Background work (heartbeats, GC, the JIT) counts where it happens.
   */
  static void cpu(
      Settings s, OpenAiProbe probe, URI direct, URI shoal, Map<String, ProcessHandle> processes, Map<String, Object> results)
      throws Exception {
    Map<String, Call> kinds = new LinkedHashMap<>();
    kinds.put("not streamed, direct", base -> probe.whole(direct));
    kinds.put("not streamed, Shoal", base -> probe.whole(shoal));
    kinds.put("streamed, direct", base -> probe.stream(direct));
    kinds.put("streamed, Shoal", base -> probe.stream(shoal));
    System.out.printf("%-34s", "per request: CPU us / sleeps");
    processes.keySet().forEach(p -> System.out.printf(" %16s", p));
    System.out.printf(" %16s %8s%n", "all four", "wall us");
    Map<String, Object> rows = new LinkedHashMap<>();
    List<String> threadLines = new ArrayList<>();
    for (Map.Entry<String, Call> kind : kinds.entrySet()) {
      Map<String, ThreadCounters> before = counters(processes);
      long t0 = System.nanoTime();
      for (int i = 0; i < s.cpuRequests(); i++) {
        kind.getValue().run(null);
      }
      long wall = System.nanoTime() - t0;
      Map<String, ThreadCounters> after = counters(processes);
      int n = s.cpuRequests();
      Map<String, Object> row = new LinkedHashMap<>();
      long totalUs = 0;
      double totalSleeps = 0;
      System.out.printf("%-34s", kind.getKey());
      for (String p : processes.keySet()) {
        long us = (after.get(p).cpuNanos() - before.get(p).cpuNanos()) / 1000 / n;
        double sleeps = (double) after.get(p).sleepsSince(before.get(p)) / n;
        totalUs += us;
        totalSleeps += sleeps;
        row.put(p + "_cpu_us", us);
        row.put(p + "_voluntary_switches", round1(sleeps));
        System.out.printf(" %16s", us + " / " + round1(sleeps));
        if (kind.getKey().endsWith("Shoal") && (p.equals("orchestrator") || p.equals("worker"))) {
          // Which threads of Shoal's two JVMs: the hand-overs between them are the added latency.
          Map<String, Object> groups = new LinkedHashMap<>();
          StringBuilder line = new StringBuilder(String.format("  %-21s %-12s", kind.getKey(), p));
          after.get(p).byGroupSince(before.get(p)).entrySet().stream()
              .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
              .filter(g -> g.getValue()[0] / 1000 / n >= 10 || (double) g.getValue()[1] / n >= 0.1)
              .forEach(g -> {
                long gus = g.getValue()[0] / 1000 / n;
                double gsleeps = round1((double) g.getValue()[1] / n);
                groups.put(g.getKey(), Map.of("cpu_us", gus, "voluntary_switches", gsleeps));
                line.append(String.format(" | %s %d/%.1f", g.getKey(), gus, gsleeps));
              });
          row.put(p + "_threads", groups);
          threadLines.add(line.toString());
        }
      }
      row.put("all_cpu_us", totalUs);
      row.put("all_voluntary_switches", round1(totalSleeps));
      row.put("wall_us", wall / 1000 / n);
      System.out.printf(" %16s %8d%n", totalUs + " / " + round1(totalSleeps), wall / 1000 / n);
      rows.put(kind.getKey(), row);
    }
    System.out.println("by thread (CPU us / sleeps per request; Linux keeps 15 characters of a name):");
    threadLines.forEach(System.out::println);
    results.put("cpu_and_voluntary_switches_per_request", rows);
  }

  private static Map<String, ThreadCounters> counters(Map<String, ProcessHandle> processes) throws IOException {
    Map<String, ThreadCounters> out = new LinkedHashMap<>();
    for (Map.Entry<String, ProcessHandle> p : processes.entrySet()) {
      out.put(p.getKey(), ThreadCounters.of(p.getValue()));
    }
    return out;
  }

  static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  // ------------------------------------------------------------------ throughput

  /** What one client does in a loop. */
  @FunctionalInterface
  interface Call {
    void run(URI base) throws Exception;
  }

  static void throughput(Settings s, OpenAiProbe probe, URI direct, URI shoal, Map<String, Object> results) throws Exception {
    Map<String, Call> kinds = new LinkedHashMap<>();
    kinds.put("non_streaming", probe::whole);
    kinds.put("streaming", probe::stream);
    for (Map.Entry<String, Call> kind : kinds.entrySet()) {
      // Untimed: the first phase at this concurrency opens the connections and warms the paths.
      phase(kind.getValue(), direct, s.concurrency(), s.phase());
      phase(kind.getValue(), shoal, s.concurrency(), s.phase());
      List<Double> directRates = new ArrayList<>();
      List<Double> shoalRates = new ArrayList<>();
      for (int r = 0; r < s.rounds(); r++) {
        if (r % 2 == 0) {
          directRates.add(phase(kind.getValue(), direct, s.concurrency(), s.phase()));
          shoalRates.add(phase(kind.getValue(), shoal, s.concurrency(), s.phase()));
        } else {
          shoalRates.add(phase(kind.getValue(), shoal, s.concurrency(), s.phase()));
          directRates.add(phase(kind.getValue(), direct, s.concurrency(), s.phase()));
        }
      }
      double d = directRates.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
      double sh = shoalRates.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("concurrency", s.concurrency());
      r.put("direct_req_per_s", Math.round(d));
      r.put("shoal_req_per_s", Math.round(sh));
      r.put("ratio", Benchmarks.ratio(sh, d));
      r.put("direct_phases", directRates.stream().map(Math::round).toList());
      r.put("shoal_phases", shoalRates.stream().map(Math::round).toList());
      results.put("throughput_" + kind.getKey(), r);
      System.out.printf(
          "%-34s direct %6.0f req/s | Shoal %6.0f req/s | ratio %.2f (phases: direct %s, Shoal %s)%n",
          "throughput " + kind.getKey().replace('_', '-') + ", " + s.concurrency() + " clients", d, sh,
          Benchmarks.ratio(sh, d), r.get("direct_phases"), r.get("shoal_phases"));
    }
  }

  /** {@code clients} threads call in a loop for {@code length}; requests per second until the last one ends. */
  static double phase(Call call, URI base, int clients, Duration length) throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long t0 = System.nanoTime();
    long until = t0 + length.toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      threads.add(
          Thread.ofPlatform().name("gateway-client-" + c).start(() -> {
            try {
              while (System.nanoTime() < until && failure.get() == null) {
                call.run(base);
                done.incrementAndGet();
              }
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
            }
          }));
    }
    for (Thread t : threads) {
      t.join();
    }
    long elapsed = System.nanoTime() - t0;
    if (failure.get() != null) {
      throw new IllegalStateException("a request to " + base + " failed", failure.get());
    }
    return done.get() / (elapsed / 1e9);
  }

  // ------------------------------------------------------------------ helpers

  /** {@code ready http=1 grpc=2} as a map. */
  static Map<String, String> fields(String line) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : line.split(" ")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        out.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    if (!out.containsKey("http") || !out.containsKey("grpc")) {
      throw new IllegalStateException("the orchestrator said '" + line + "', not its ports");
    }
    return out;
  }

  static void load(Map<String, Object> results, String key) {
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    results.put(key, Math.round(load * 100) / 100.0);
    System.out.printf("%-34s %.2f (cores: %d)%n", key, load, Runtime.getRuntime().availableProcessors());
  }

  static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
