package dev.shoal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.operators.validation.ValidationSettings;
import dev.shoal.operators.validation.Validator;
import dev.shoal.operators.validation.Validators;
import dev.shoal.operators.validation.Verdict;
import dev.shoal.orchestrator.Orchestrator;
import dev.shoal.orchestrator.OrchestratorConfig;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.JobStatus;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.Resources;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What zero trust costs (issue: "validation cost as a fraction of compute, Freivalds vs full
 * recompute, at several matrix sizes, and throughput under each policy"), each number against a
 * baseline measured in the same run:
 *
 * <ol>
 *   <li>validation on the CPU, no network: the standard validator (structure, Freivalds, sampled
 *       recomputation), the light one, Freivalds alone and full recomputation, as fractions of
 *       computing the result;
 *   <li>result signatures: {@link ResultSignatures} (BouncyCastle's RFC 8032 code) against the
 *       JDK's own Ed25519 provider over the same bytes;
 *   <li>end-to-end throughput of a job of small matmuls under each acceptance policy, through real
 *       gRPC on loopback, against first_valid without spot checks and against no-op tasks.
 * </ol>
 *
 * Prints tables and writes JSON. Run with {@code ./mvnw -B -q -pl shoal-bench -am -Pbench
 * verify} (after {@link Benchmarks}), or alone with {@code java -cp ... dev.shoal.bench.TrustBenchmarks out.json}.
 */
public final class TrustBenchmarks {

  private static final Map<String, Object> results = new LinkedHashMap<>();
  private static final OperatorRegistry OPERATORS = OperatorRegistry.standard();
  private static final OperatorId MATMUL = OperatorId.parse("tensor.matmul@1");
  private static final OperatorId ADD = OperatorId.parse("tensor.add@1");
  /** Freivalds rounds with one sample: the sampled recomputation reduced to a single dot product. */
  private static final ValidationSettings FREIVALDS_8 = new ValidationSettings(8, 1);
  private static final ValidationSettings FREIVALDS_1 = new ValidationSettings(1, 1);

  /** Keeps the JIT from discarding results it would otherwise prove unused. */
  static volatile Object sink;

  private TrustBenchmarks() {}

  public static void main(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    Path out = Path.of(args.length > 0 ? args[0] : "trust-benchmarks.json");
    results.put("cores", Runtime.getRuntime().availableProcessors());
    results.put("jdk", Runtime.version().toString());
    load("load_average_at_start");
    validationCost();
    load("load_average_after_validation");
    signatures();
    load("load_average_after_signatures");
    policyThroughput();
    load("load_average_at_end");
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(out, json.writeValueAsString(results));
    System.out.println("wrote " + out.toAbsolutePath());
    System.exit(0);
  }

  // ------------------------------------------------------------------ 1. validation cost

  /** One case: an operator, its inputs and the honest result every check below is run on. */
  private record Case(String name, Operator op, List<Tensor> inputs, List<Tensor> outputs, boolean freivalds) {
    static Case of(String name, OperatorId id, boolean freivalds, Tensor... inputs) {
      Operator op = OPERATORS.require(id);
      List<Tensor> in = List.of(inputs);
      return new Case(name, op, in, op.apply(in, Attributes.empty()), freivalds);
    }
  }

  static void validationCost() {
    SplittableRandom data = new SplittableRandom(42);
    List<Case> cases = new ArrayList<>();
    // 32: the size of the throughput benchmark's tasks below.
    for (int n : new int[] {32, 64, 128, 256, 512}) {
      cases.add(Case.of("matmul float32 " + n + "x" + n, MATMUL, true, floats(data, n, n), floats(data, n, n)));
    }
    cases.add(Case.of("matmul int32 256x256", MATMUL, true, ints(data, 256, 256), ints(data, 256, 256)));
    cases.add(Case.of("add float32 1M elements", ADD, false, floats(data, 1 << 20), floats(data, 1 << 20)));

    // Warm every path on every size first, so no case pays for the JIT compiling shared code.
    for (Case c : cases) {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
      while (System.nanoTime() < until) {
        compute(c);
        validate(c, ValidationSettings.DEFAULT);
        validate(c, ValidationSettings.LIGHT);
        validate(c, FREIVALDS_8);
        validate(c, FREIVALDS_1);
        recompute(c);
      }
    }

    List<Map<String, Object>> rows = new ArrayList<>();
    System.out.printf(
        "%-26s %10s | %22s | %22s | %22s | %22s | %12s%n", "validation (median us)", "compute", "standard 8 rnd+32 smp",
        "Freivalds 8 rnd (+1 smp)", "light 2 rnd+8 smp", "full recompute", "1 more round");
    for (Case c : cases) {
      // Interleaved, so a burst of load from elsewhere on the machine hits every column alike.
      double[] us =
          interleaved(
              List.of(
                  () -> compute(c),
                  () -> validate(c, ValidationSettings.DEFAULT),
                  () -> validate(c, FREIVALDS_8),
                  () -> validate(c, FREIVALDS_1),
                  () -> validate(c, ValidationSettings.LIGHT),
                  () -> recompute(c)));
      double compute = us[0];
      double standard = us[1];
      double freivalds8 = us[2];
      double freivalds1 = us[3];
      double light = us[4];
      double full = us[5];
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("case", c.name);
      row.put("compute_us", round(compute));
      row.put("standard_validator_us", round(standard));
      row.put("standard_fraction", fraction(standard, compute));
      if (c.freivalds) {
        row.put("freivalds_8_rounds_1_sample_us", round(freivalds8));
        row.put("freivalds_8_rounds_fraction", fraction(freivalds8, compute));
        row.put("freivalds_one_more_round_us", round((freivalds8 - freivalds1) / 7));
      } else {
        row.put("one_sample_us", round(freivalds8));
      }
      row.put("light_validator_us", round(light));
      row.put("light_fraction", fraction(light, compute));
      row.put("full_recompute_us", round(full));
      row.put("full_recompute_fraction", fraction(full, compute));
      rows.add(row);
      System.out.printf(
          "%-26s %10.1f | %10.1f (%8.4f) | %10s (%8s) | %10.1f (%8.4f) | %10.1f (%8.4f) | %12s%n", c.name, compute,
          standard, standard / compute, c.freivalds ? String.format("%.1f", freivalds8) : "-",
          c.freivalds ? String.format("%.4f", freivalds8 / compute) : "-", light, light / compute, full, full / compute,
          c.freivalds ? String.format("%.1f", (freivalds8 - freivalds1) / 7) : "-");
    }
    results.put("validation_cost", rows);
  }

  private static Object compute(Case c) {
    return c.op.apply(c.inputs, Attributes.empty());
  }

  private static long seed;

  /** As the orchestrator does it: a fresh fast generator per result (there seeded from SecureRandom). */
  private static Object validate(Case c, ValidationSettings settings) {
    Validator v = Validators.forOperator(c.op.id());
    Verdict verdict = v.validate(c.inputs, Attributes.empty(), c.outputs, settings, new SplittableRandom(seed++));
    if (!verdict.passed()) {
      throw new IllegalStateException(c.name + ": an honest result failed validation: " + verdict.failureDetail());
    }
    return verdict;
  }

  private static Object recompute(Case c) {
    Verdict verdict = Validators.fullRecompute(c.op, c.inputs, Attributes.empty(), c.outputs);
    if (!verdict.passed()) {
      throw new IllegalStateException(c.name + ": an honest result failed recomputation: " + verdict.failureDetail());
    }
    return verdict;
  }

  private static Tensor floats(SplittableRandom r, int... dims) {
    Shape shape = Shape.of(dims);
    float[] v = new float[(int) shape.elementCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return Tensor.float32(shape, v);
  }

  private static Tensor ints(SplittableRandom r, int... dims) {
    Shape shape = Shape.of(dims);
    int[] v = new int[(int) shape.elementCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextInt(-1000, 1001);
    }
    return Tensor.int32(shape, v);
  }

  // ------------------------------------------------------------------ 2. signatures

  static void signatures() throws Exception {
    KeyPair keys = Ed25519.generate();
    byte[] rawPublic = Ed25519.rawPublicKey(keys.getPublic());
    Tensor tile = floats(new SplittableRandom(7), 64, 64);
    ResultDescriptor unsigned =
        ResultDescriptor.newBuilder()
            .setAttempt(AttemptRef.newBuilder().setJobId("j-0123456789abcdef").setTaskId("tile-0042").setAttempt(1))
            .setStatus(ResultStatus.RESULT_STATUS_OK)
            .addOutputs(Value.newBuilder().setTensor(WireTensors.toWire(tile)))
            .build();
    ResultDescriptor signed = ResultSignatures.sign(unsigned, keys.getPrivate());
    if (!ResultSignatures.verify(signed, rawPublic)) {
      throw new IllegalStateException("a fresh signature does not verify");
    }

    // The JDK's provider over exactly the bytes ResultSignatures signs: context, then canonical encoding.
    byte[] context = "shoal.v1.result\0".getBytes(StandardCharsets.US_ASCII);
    Signature jdkSigner = Signature.getInstance("Ed25519", "SunEC");
    Signature jdkVerifier = Signature.getInstance("Ed25519", "SunEC");
    Supplier<byte[]> jdkSign =
        () -> {
          try {
            jdkSigner.initSign(keys.getPrivate());
            jdkSigner.update(context);
            jdkSigner.update(ResultSignatures.canonical(unsigned));
            return jdkSigner.sign();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    byte[] jdkSignature = jdkSign.get();
    Supplier<Boolean> jdkVerify =
        () -> {
          try {
            jdkVerifier.initVerify(keys.getPublic());
            jdkVerifier.update(context);
            jdkVerifier.update(ResultSignatures.canonical(signed));
            return jdkVerifier.verify(jdkSignature);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    // Ed25519 is deterministic: both implementations must produce the very same signature.
    if (!Arrays.equals(jdkSignature, signed.getSignature().toByteArray()) || !jdkVerify.get()) {
      throw new IllegalStateException("the JDK's Ed25519 signature differs from ResultSignatures'");
    }

    for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); System.nanoTime() < until; ) {
      sink = ResultSignatures.canonical(unsigned);
      sink = ResultSignatures.sign(unsigned, keys.getPrivate());
      sink = ResultSignatures.verify(signed, rawPublic);
      sink = jdkSign.get();
      sink = jdkVerify.get();
    }
    double[] us =
        interleaved(
            List.of(
                () -> ResultSignatures.canonical(unsigned),
                () -> ResultSignatures.sign(unsigned, keys.getPrivate()),
                () -> {
                  if (!ResultSignatures.verify(signed, rawPublic)) {
                    throw new IllegalStateException("verification failed");
                  }
                  return Boolean.TRUE;
                },
                jdkSign::get,
                () -> {
                  if (!jdkVerify.get()) {
                    throw new IllegalStateException("JDK verification failed");
                  }
                  return Boolean.TRUE;
                }));
    double canonical = us[0];
    double sign = us[1];
    double verify = us[2];
    double jdkSignUs = us[3];
    double jdkVerifyUs = us[4];
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("result", "one float32 64x64 output (16 KiB)");
    r.put("canonical_encoding_us", round(canonical));
    r.put("result_signatures_sign_us", round(sign));
    r.put("result_signatures_verify_us", round(verify));
    r.put("jdk_sunec_sign_us", round(jdkSignUs));
    r.put("jdk_sunec_verify_us", round(jdkVerifyUs));
    r.put("sign_ratio_jdk_over_shoal", ratio(jdkSignUs, sign));
    r.put("verify_ratio_jdk_over_shoal", ratio(jdkVerifyUs, verify));
    results.put("signatures", r);
    System.out.printf(
        "signatures (us, 64x64 float32 result; canonical encoding incl. SHA-256 %.1f)  sign: shoal %.1f | JDK SunEC %.1f (%.2fx)"
            + "  verify: shoal %.1f | JDK SunEC %.1f (%.2fx)%n",
        canonical, sign, jdkSignUs, jdkSignUs / sign, verify, jdkVerifyUs, jdkVerifyUs / verify);
  }

  // ------------------------------------------------------------------ 3. throughput per policy

  private record Row(String name, double spotChecks, String operator, AcceptancePolicy policy) {}

  /**
   * Each round starts two fresh meshes of 4 workers with 2 slots (one orchestrator without spot
   * checks, one with the default 5 %) and runs one job per row, rows interleaved so that load from
   * elsewhere on the machine spreads over all of them. Fresh meshes, because the in-memory store
   * keeps every job's tasks, attempts, results, events and ledger entries: one long-lived
   * orchestrator filled the 4 GB heap within a run, and the rows measured late paid for the
   * collector. A full collection before each job keeps one job's garbage off the next one's clock.
   * The last row repeats the reference row on the same mesh: how far apart two identical rows
   * land is the resolution of this table.
   */
  static void policyThroughput() throws Exception {
    int tasks = 2_000;
    int rounds = 9;
    AcceptancePolicy firstValid = AcceptancePolicy.FIRST_VALID;
    List<Row> rows =
        List.of(
            new Row("no-op tasks, first_valid, no spot checks (protocol only)", 0, "shoal.noop@1", firstValid),
            new Row("first_valid, no spot checks", 0, "tensor.matmul@1", firstValid),
            new Row("first_valid, 5 % spot checks (the default)", 0.05, "tensor.matmul@1", firstValid),
            new Row("quorum(2 of 3)", 0, "tensor.matmul@1", AcceptancePolicy.quorum(2, 3)),
            new Row("quorum(3 of 3)", 0, "tensor.matmul@1", AcceptancePolicy.quorum(3, 3)),
            new Row("first_valid, no spot checks, again (same-run repeat)", 0, "tensor.matmul@1", firstValid));
    int reference = 1;
    List<JobPlan> plans = new ArrayList<>();
    for (Row row : rows) {
      plans.add(plan(row, tasks));
    }
    double[][] rates = new double[rows.size()][rounds];
    double[][] attempts = new double[rows.size()][rounds];
    int warmUpRounds = 2; // not counted: the gRPC and scheduling paths need more than one round to compile
    for (int round = -warmUpRounds; round < rounds; round++) {
      try (Mesh noSpot = new Mesh(0, 4, 2);
          Mesh spot = new Mesh(0.05, 4, 2)) {
        for (int i = 0; i < rows.size(); i++) {
          System.gc();
          Run run = (rows.get(i).spotChecks > 0 ? spot : noSpot).run(plans.get(i));
          if (round >= 0) {
            rates[i][round] = tasks / run.seconds;
            attempts[i][round] = run.attempts / (double) tasks;
          }
        }
      }
    }
    double referenceRate = medianOf(rates[reference]);
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      double rate = medianOf(rates[i]);
      long[] runs = Arrays.stream(rates[i]).mapToLong(Math::round).toArray();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("row", row.name);
      m.put("operator", row.operator);
      m.put("policy", row.policy.toString());
      m.put("spot_check_fraction", row.spotChecks);
      m.put("tasks_per_job", tasks);
      m.put("tasks_per_s_median", Math.round(rate));
      m.put("tasks_per_s_runs", runs);
      m.put("ratio_to_first_valid_no_spot", ratio(rate, referenceRate));
      m.put("attempts_per_task", Math.round(medianOf(attempts[i]) * 1000) / 1000.0);
      out.add(m);
      System.out.printf(
          "policy throughput    %-56s %6.0f tasks/s  %.2fx  %.3f attempts/task  (runs %s)%n", row.name, rate,
          rate / referenceRate, medianOf(attempts[i]), Arrays.toString(runs));
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("workers", 4);
    r.put("slots_per_worker", 2);
    r.put("task", "tensor.matmul@1, float32 32x32 . 32x32 (no-op row: shoal.noop@1)");
    r.put("rounds", rounds);
    r.put("warm_up_rounds", warmUpRounds);
    r.put("rows", out);
    results.put("policy_throughput", r);
  }

  /** A job of {@code tasks} tasks of the row's operator; matmul inputs cycle through 64 random pairs. */
  private static JobPlan plan(Row row, int tasks) {
    List<PlannedTask> planned = new ArrayList<>(tasks);
    if (row.operator.equals("shoal.noop@1")) {
      TaskDescriptor noop = TaskDescriptor.newBuilder().setOperator(row.operator).setTimeoutMs(60_000).build();
      for (int i = 0; i < tasks; i++) {
        planned.add(new PlannedTask("t" + i, noop, 3, List.of(), row.policy));
      }
      return new JobPlan("tasks", "{}".getBytes(StandardCharsets.UTF_8), planned, 0);
    }
    Operator matmul = OPERATORS.require(MATMUL);
    SplittableRandom r = new SplittableRandom(11);
    List<TaskDescriptor> templates = new ArrayList<>();
    List<TensorSpec> outputs = null;
    for (int i = 0; i < 64; i++) {
      Tensor a = floats(r, 32, 32);
      Tensor b = floats(r, 32, 32);
      // As JobPlanner does it: the output specs the operator promises, and memory for inputs plus outputs.
      outputs = List.copyOf(matmul.outputSpecs(List.of(a.spec(), b.spec()), Attributes.empty()));
      long bytes = a.spec().byteSize() + b.spec().byteSize() + outputs.getFirst().byteSize();
      templates.add(
          TaskDescriptor.newBuilder()
              .setOperator(row.operator)
              .setTimeoutMs(60_000)
              .setResources(Resources.newBuilder().setMemoryBytes(bytes))
              .addInputs(Value.newBuilder().setTensor(WireTensors.toWire(a)))
              .addInputs(Value.newBuilder().setTensor(WireTensors.toWire(b)))
              .build());
    }
    for (int i = 0; i < tasks; i++) {
      planned.add(new PlannedTask("t" + i, templates.get(i % templates.size()), 3, outputs, row.policy));
    }
    return new JobPlan("tasks", "{}".getBytes(StandardCharsets.UTF_8), planned, 0);
  }

  private record Run(double seconds, int attempts) {}

  /** An orchestrator (memory store) and in-process workers over Netty on loopback. */
  private static final class Mesh implements AutoCloseable {
    final Orchestrator orchestrator;
    final List<Worker> workers = new ArrayList<>();

    Mesh(double spotCheckFraction, int workerCount, int slots) throws Exception {
      orchestrator =
          Orchestrator.create(
                  OrchestratorConfig.builder()
                      .grpcPort(0)
                      .httpPort(0)
                      .heartbeatInterval(Duration.ofSeconds(2))
                      .spotCheckFraction(spotCheckFraction)
                      .build())
              .start();
      for (int i = 0; i < workerCount; i++) {
        workers.add(
            Worker.create(
                    WorkerConfig.builder()
                        .orchestrators(List.of("127.0.0.1:" + orchestrator.grpcPort()))
                        .name("trust-bench-" + i)
                        .maxConcurrentTasks(slots)
                        .build())
                .start());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (orchestrator.jobs().workers().get().size() < workerCount) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("workers did not connect");
        }
        Thread.sleep(10);
      }
    }

    /** Submits the job and waits until it is durably finished; it must succeed. */
    Run run(JobPlan plan) throws Exception {
      long t0 = System.nanoTime();
      String id = orchestrator.jobs().submit(plan).get();
      JobStatus done = orchestrator.jobs().whenFinished(id).get(10, TimeUnit.MINUTES).orElseThrow();
      long t1 = System.nanoTime();
      if (done.state() != JobState.SUCCEEDED) {
        throw new IllegalStateException("benchmark job ended " + done.state() + ": " + done.error());
      }
      return new Run((t1 - t0) / 1e9, done.attempts());
    }

    @Override
    public void close() {
      workers.forEach(Worker::shutdownNow);
      orchestrator.close();
    }
  }

  // ------------------------------------------------------------------ statistics

  /**
   * The 1-minute load average, recorded because other processes on these small machines (builds,
   * other benchmarks) take CPU from the run; above the core count, absolute numbers are depressed.
   */
  static void load(String key) {
    double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    results.put(key, Math.round(load * 100) / 100.0);
    System.out.printf("%-30s %.2f (cores: %d)%n", key, load, Runtime.getRuntime().availableProcessors());
  }

  private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(30);
  private static final int ROUNDS = 11;

  /** Calls per batch so that a batch of {@code op} lasts about 30 ms (at least one call). */
  private static int batchSize(Supplier<Object> op) {
    long t0 = System.nanoTime();
    int calls = 0;
    while (System.nanoTime() - t0 < BATCH_NANOS) {
      sink = op.get();
      calls++;
    }
    double perCall = (System.nanoTime() - t0) / (double) calls;
    return (int) Math.max(1, Math.ceil(BATCH_NANOS / perCall));
  }

  /** Mean microseconds per call over one batch. */
  private static double batch(Supplier<Object> op, int calls) {
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      sink = op.get();
    }
    return (System.nanoTime() - start) / 1_000.0 / calls;
  }

  /**
   * Median microseconds per call of each op: 11 rounds, each running one ~30 ms batch of every op
   * in turn, so that the ops are compared under the same conditions.
   */
  static double[] interleaved(List<Supplier<Object>> ops) {
    int[] sizes = ops.stream().mapToInt(TrustBenchmarks::batchSize).toArray();
    double[][] samples = new double[ops.size()][ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
      for (int i = 0; i < ops.size(); i++) {
        samples[i][round] = batch(ops.get(i), sizes[i]);
      }
    }
    return Arrays.stream(samples).mapToDouble(TrustBenchmarks::medianOf).toArray();
  }

  static double medianOf(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double round(double us) {
    return Math.round(us * 10) / 10.0;
  }

  static double fraction(double part, double whole) {
    return Math.round(part / whole * 10_000) / 10_000.0;
  }

  static double ratio(double a, double b) {
    return Math.round(a / b * 100) / 100.0;
  }
}
