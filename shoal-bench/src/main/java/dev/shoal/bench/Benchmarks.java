package dev.shoal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shoal.orchestrator.Orchestrator;
import dev.shoal.orchestrator.OrchestratorConfig;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.JobStatus;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * Every benchmark of issue 2, each against its baseline or peer measured in the same run, since
 * loopback latency on these 2-core machines swings with CPU idleness. Prints a table and writes
 * JSON. Run with {@code ./mvnw -B -q -pl shoal-bench -am -Pbench verify}.
 */
public final class Benchmarks {

  private static final Map<String, Object> results = new LinkedHashMap<>();

  private Benchmarks() {}

  public static void main(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    Path out = Path.of(args.length > 0 ? args[0] : "benchmarks.json");
    results.put("cores", Runtime.getRuntime().availableProcessors());
    results.put("jdk", Runtime.version().toString());
    // First: the heap it measures must not include what the other benchmarks' orchestrators may
    // still hold for a while after they close (seen: over 100 MB left by durable()).
    scaling();
    roundTrip();
    throughput();
    durable();
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(out, json.writeValueAsString(results));
    System.out.println("wrote " + out.toAbsolutePath());
    System.exit(0);
  }

  // ------------------------------------------------------------------ 1. round trip

  /** One no-op task per job, back to back, against a raw gRPC bidi ping-pong on the same kind of stream. */
  static void roundTrip() throws Exception {
    int warm = 3_000;
    int n = 10_000;
    long[] raw = rawPingPong(warm, n);
    long[] jobs;
    long[] protocol;
    try (Mesh mesh = new Mesh(null, false, 1, 4)) {
      jobs = mesh.oneTaskJobs(warm, n);
      long[] all = mesh.orchestrator.recentRoundTrips().get();
      protocol = Arrays.copyOfRange(all, Math.max(0, all.length - n), all.length);
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("raw_grpc_us", percentiles(raw));
    r.put("shoal_task_round_trip_us", percentiles(protocol));
    r.put("shoal_one_task_job_us", percentiles(jobs));
    r.put("p50_ratio", ratio(p(protocol, 50), p(raw, 50)));
    r.put("p99_ratio", ratio(p(protocol, 99), p(raw, 99)));
    r.put("job_p50_ratio", ratio(p(jobs, 50), p(raw, 50)));
    results.put("round_trip", r);
    System.out.printf(
        "round trip (us)      raw gRPC p50 %.0f p99 %.0f | task dispatch->result p50 %.0f p99 %.0f (%.2fx, %.2fx)"
            + " | one-task job submit->durable end p50 %.0f p99 %.0f (%.2fx)%n",
        p(raw, 50), p(raw, 99), p(protocol, 50), p(protocol, 99), ratio(p(protocol, 50), p(raw, 50)),
        ratio(p(protocol, 99), p(raw, 99)), p(jobs, 50), p(jobs, 99), ratio(p(jobs, 50), p(raw, 50)));
  }

  /** The baseline: a bidi stream that echoes each message, direct executors on both sides. */
  static long[] rawPingPong(int warm, int n) throws Exception {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(
                new WorkerLinkGrpc.WorkerLinkImplBase() {
                  @Override
                  public StreamObserver<WorkerMessage> connect(StreamObserver<OrchestratorMessage> out) {
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(WorkerMessage m) {
                        out.onNext(OrchestratorMessage.newBuilder().setHeartbeat(m.getHeartbeat()).build());
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onCompleted();
                      }
                    };
                  }
                })
            .build()
            .start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().directExecutor().build();
    SynchronousQueue<OrchestratorMessage> replies = new SynchronousQueue<>();
    StreamObserver<WorkerMessage> out =
        WorkerLinkGrpc.newStub(channel)
            .connect(
                new StreamObserver<>() {
                  @Override
                  public void onNext(OrchestratorMessage m) {
                    try {
                      replies.put(m);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    long[] samples = new long[n];
    for (int i = 0; i < warm + n; i++) {
      long t0 = System.nanoTime();
      out.onNext(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAtMs(i)).build());
      replies.take();
      if (i >= warm) {
        samples[i - warm] = System.nanoTime() - t0;
      }
    }
    out.onCompleted();
    channel.shutdownNow();
    server.shutdownNow();
    return samples;
  }

  // ------------------------------------------------------------------ 2. throughput

  static void throughput() throws Exception {
    int n = 100_000;
    double shoal;
    try (Mesh mesh = new Mesh(null, false, 2, 512)) {
      mesh.runJob(20_000);
      shoal = mesh.runJob(n);
    }
    double hazelcast = HazelcastPeer.throughput(n);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("tasks", n);
    r.put("shoal_tasks_per_s", Math.round(shoal));
    r.put("hazelcast_tasks_per_s", Math.round(hazelcast));
    r.put("ratio", ratio(shoal, hazelcast));
    results.put("throughput_in_memory", r);
    System.out.printf(
        "in-memory throughput shoal %.0f tasks/s | hazelcast IExecutorService (2 JVMs) %.0f tasks/s | ratio %.2fx%n",
        shoal, hazelcast, ratio(shoal, hazelcast));
  }

  // ------------------------------------------------------------------ 3. durable

  static void durable() throws Exception {
    int n = 100_000;
    Path dir = Files.createTempDirectory("shoal-bench-durable");
    double shoal;
    try (Mesh mesh = new Mesh(dir, true, 2, 512)) {
      mesh.runJob(20_000);
      shoal = mesh.runJob(n);
    }
    double rawFsync = rawFsyncLoop(dir.resolve("raw.log"), 2_000);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("tasks", n);
    r.put("shoal_fsync_tasks_per_s", Math.round(shoal));
    r.put("raw_one_fsync_per_write_per_s", Math.round(rawFsync));
    r.put("ratio", ratio(shoal, rawFsync));
    results.put("throughput_durable", r);
    System.out.printf(
        "durable (fsync)      shoal %.0f tasks/s | raw one-fsync-per-write %.0f writes/s | ratio %.2fx%n",
        shoal, rawFsync, ratio(shoal, rawFsync));
  }

  /** The baseline: append a 100-byte record and fsync it, one at a time. */
  static double rawFsyncLoop(Path file, int n) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer record = ByteBuffer.allocate(100);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        record.clear();
        ch.write(record);
        ch.force(false);
      }
      return n / ((System.nanoTime() - t0) / 1e9);
    }
  }

  // ------------------------------------------------------------------ 4. scaling

  /**
   * Throughput and orchestrator heap by number of connected workers. The workers run in a child
   * JVM ({@link WorkerFleet}) so that this JVM's heap is the orchestrator's alone; every
   * measurement gets a fresh orchestrator and fleet.
   */
  static void scaling() throws Exception {
    int[] counts = {1, 4, 16, 256};
    // Untimed: the first connection initialises what all connections share (gRPC and Netty
    // statics), which would otherwise count as the heap of the 1-worker row.
    try (Mesh warm = new Mesh(null, false, 0, 128)) {
      warm.addWorkerFleet(4, 128);
    }
    // Heap first, on orchestrators that never run a job: a closed orchestrator can stay
    // reachable for seconds, through full GCs (seen: 176 MB after 80 k tasks), and one without
    // jobs leaves next to nothing for the next count's measurement.
    long[] idle = new long[counts.length];
    long[] connected = new long[counts.length];
    for (int i = 0; i < counts.length; i++) {
      try (Mesh mesh = new Mesh(null, false, 0, slotsEach(counts[i]))) {
        idle[i] = settledHeap();
        mesh.addWorkerFleet(counts[i], slotsEach(counts[i]));
        connected[i] = settledHeap();
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      int workers = counts[i];
      int slots = slotsEach(workers);
      try (Mesh mesh = new Mesh(null, false, 0, slots)) {
        mesh.addWorkerFleet(workers, slots);
        // Each fleet is a cold JVM, so warm it as throughput() does; then the median of three
        // runs, since one 20 k run lasts about a second and this machine's speed swings.
        mesh.runJob(20_000);
        double[] runs = {mesh.runJob(20_000), mesh.runJob(20_000), mesh.runJob(20_000)};
        double rate = Arrays.stream(runs).sorted().toArray()[1];
        double kbPerWorker = (connected[i] - idle[i]) / 1024.0 / workers;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("workers", workers);
        row.put("slots_per_worker", slots);
        row.put("tasks_per_s", Math.round(rate));
        row.put("tasks_per_s_runs", Arrays.stream(runs).mapToLong(Math::round).toArray());
        row.put("orchestrator_heap_mb_idle", mb(idle[i]));
        row.put("orchestrator_heap_mb_with_workers", mb(connected[i]));
        row.put("orchestrator_heap_kb_per_worker", Math.round(kbPerWorker));
        rows.add(row);
        System.out.printf(
            "scaling              %3d workers x %3d slots: %6.0f tasks/s (median of runs %.0f, %.0f, %.0f),"
                + " orchestrator heap %.1f MB -> %.1f MB (%+.0f KB per worker; workers in a child JVM)%n",
            workers, slots, rate, runs[0], runs[1], runs[2], mb(idle[i]), mb(connected[i]), kbPerWorker);
      }
    }
    results.put("scaling", rows);
  }

  /** 512 slots in total, split over the workers, at least 4 each. */
  static int slotsEach(int workers) {
    return Math.max(4, 512 / workers);
  }

  /** Live heap: full collections (G1 honours {@code System.gc()}) until only reachable objects remain. */
  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Live heap once it has stopped changing: what a closed mesh leaves behind is not always
   * unreachable the moment close() returns, so GC until three readings 300 ms apart agree within
   * 256 KB.
   */
  static long settledHeap() throws InterruptedException {
    long low = usedHeapAfterGc();
    long high = low;
    int agreeing = 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (agreeing < 3 && System.nanoTime() < deadline) {
      Thread.sleep(300);
      long now = usedHeapAfterGc();
      if (Math.max(high, now) - Math.min(low, now) < 256 * 1024) {
        low = Math.min(low, now);
        high = Math.max(high, now);
        agreeing++;
      } else {
        low = now;
        high = now;
        agreeing = 1;
      }
    }
    return low;
  }

  static double mb(long bytes) {
    return Math.round(bytes / 1024.0 / 1024.0 * 10) / 10.0;
  }

  // ------------------------------------------------------------------ the mesh under test

  /**
   * An orchestrator (memory or SQLite store) and workers over Netty on loopback, in-process or in
   * child JVMs.
   */
  static final class Mesh implements AutoCloseable {
    final Orchestrator orchestrator;
    final List<Worker> workers = new ArrayList<>();
    final List<Process> fleets = new ArrayList<>();
    static final TaskDescriptor NOOP =
        TaskDescriptor.newBuilder().setOperator("shoal.noop@1").setTimeoutMs(60_000).build();

    Mesh(Path dataDir, boolean fsync, int workerCount, int slots) throws Exception {
      orchestrator =
          Orchestrator.create(
                  OrchestratorConfig.builder()
                      .grpcPort(0)
                      .httpPort(0)
                      .dataDir(dataDir)
                      .fsync(fsync)
                      .heartbeatInterval(Duration.ofSeconds(2))
                      .build())
              .start();
      addWorkers(workerCount, slots);
    }

    void addWorkers(int count, int slots) throws Exception {
      int target = workers.size() + count;
      for (int i = 0; i < count; i++) {
        workers.add(
            Worker.create(
                    WorkerConfig.builder()
                        .orchestrators(List.of("127.0.0.1:" + orchestrator.grpcPort()))
                        .name("bench-" + workers.size())
                        .maxConcurrentTasks(slots)
                        .build())
                .start());
      }
      awaitWorkers(target, null);
    }

    /**
     * Starts {@code count} workers in one child JVM ({@link WorkerFleet}) and waits until the
     * orchestrator has them all; {@link #close()} stops it.
     */
    void addWorkerFleet(int count, int slots) throws Exception {
      int target = connectedWorkers() + count;
      List<String> command = new ArrayList<>(List.of(javaBinary()));
      // The same native-access and Unsafe switches as this JVM, so the child is as quiet.
      ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
          .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe-memory-access"))
          .forEach(command::add);
      command.addAll(
          List.of(
              "-Xmx1g", "-cp", classpath(), WorkerFleet.class.getName(),
              "127.0.0.1:" + orchestrator.grpcPort(), String.valueOf(count), String.valueOf(slots)));
      // stdin stays a pipe: if this JVM dies, the child sees it close and exits.
      Process fleet =
          new ProcessBuilder(command)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      fleets.add(fleet);
      awaitWorkers(target, fleet);
    }

    /** Polls until the orchestrator counts {@code target} workers; fails early if {@code fleet} died. */
    private void awaitWorkers(int target, Process fleet) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (connectedWorkers() < target) {
        if (fleet != null && !fleet.isAlive()) {
          throw new IllegalStateException("worker fleet exited with " + fleet.exitValue());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("workers did not connect");
        }
        Thread.sleep(10);
      }
    }

    private int connectedWorkers() throws Exception {
      return orchestrator.jobs().workers().get().size();
    }

    /** Submits one job of {@code n} no-op tasks; tasks per second from submission to durable end. */
    double runJob(int n) throws Exception {
      List<PlannedTask> tasks = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        tasks.add(new PlannedTask("t" + i, NOOP, 3, List.of()));
      }
      JobPlan plan = new JobPlan("tasks", "{}".getBytes(), tasks, 0);
      long t0 = System.nanoTime();
      String id = orchestrator.jobs().submit(plan).get();
      JobStatus done = orchestrator.jobs().whenFinished(id).get(10, TimeUnit.MINUTES).orElseThrow();
      long t1 = System.nanoTime();
      if (done.state() != JobState.SUCCEEDED) {
        throw new IllegalStateException("benchmark job ended " + done.state() + ": " + done.error());
      }
      return n / ((t1 - t0) / 1e9);
    }

    /** Latency of one-task jobs, submitted one after another: submit until durably finished. */
    long[] oneTaskJobs(int warm, int n) throws Exception {
      JobPlan plan = new JobPlan("tasks", "{}".getBytes(), List.of(new PlannedTask("t", NOOP, 3, List.of())), 0);
      long[] samples = new long[n];
      for (int i = 0; i < warm + n; i++) {
        long t0 = System.nanoTime();
        CompletableFuture<String> id = orchestrator.jobs().submit(plan);
        orchestrator.jobs().whenFinished(id.get()).get();
        if (i >= warm) {
          samples[i - warm] = System.nanoTime() - t0;
        }
      }
      return samples;
    }

    @Override
    public void close() {
      workers.forEach(Worker::shutdownNow);
      // SIGTERM: the fleet's shutdown hook stops its workers; wait so the next measurement
      // does not share the CPUs with a dying JVM.
      for (Process fleet : fleets) {
        fleet.destroy();
        try {
          if (!fleet.waitFor(30, TimeUnit.SECONDS)) {
            fleet.destroyForcibly().waitFor();
          }
        } catch (InterruptedException e) {
          fleet.destroyForcibly();
          Thread.currentThread().interrupt();
        }
      }
      orchestrator.close();
    }
  }

  // ------------------------------------------------------------------ statistics

  static double p(long[] nanos, double pct) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    int i = (int) Math.min(s.length - 1, Math.max(0, Math.ceil(pct / 100 * s.length) - 1));
    return s[i] / 1_000.0;
  }

  static Map<String, Object> percentiles(long[] nanos) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50", Math.round(p(nanos, 50)));
    m.put("p90", Math.round(p(nanos, 90)));
    m.put("p99", Math.round(p(nanos, 99)));
    return m;
  }

  static double ratio(double a, double b) {
    return Math.round(a / b * 100) / 100.0;
  }

  static String classpath() {
    return System.getProperty("java.class.path");
  }

  static String javaBinary() {
    return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
  }
}
