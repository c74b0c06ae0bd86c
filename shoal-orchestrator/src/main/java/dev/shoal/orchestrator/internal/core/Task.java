package dev.shoal.orchestrator.internal.core;

import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.orchestrator.internal.acceptance.Acceptance;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A task the core is driving. Confined to the core's synchronization context. */
final class Task {
  final Job job;
  final String id;
  final int index;
  final TaskDescriptor template;
  final String operator;
  final String model;
  final String accelerator;
  final long memoryBytes;
  final int maxAttempts;
  final List<TensorSpec> expectedOutputs;
  /** What the expected outputs add up to: the most an attempt may upload. */
  final long outputBytes;
  final AcceptancePolicy policy;
  final Routing routing;
  /** Clients waiting on this task as it runs (a synchronous or streaming call); usually none. */
  final List<TaskWatcher> watchers = new ArrayList<>(0);
  /** The attempt whose streamed output reached a watcher (0: none): the task no longer fails over. */
  int streamedAttempt;
  final List<Attempt> attempts = new ArrayList<>();
  final Set<String> triedPeers = new HashSet<>();
  /** Tasks of the same job whose outputs this one reads (a task graph); usually none. */
  final List<String> upstream;
  /** Tasks that read this one's outputs. */
  final List<Task> downstream = new ArrayList<>(0);
  /**
   * What is dispatched and validated: the template with other tasks' outputs in place of their
   * placeholders. Null while the task is WAITING for them.
   */
  TaskDescriptor resolved;
  /** The inputs {@code resolved} reads from the data service (key: digest and range), and their sizes. */
  String[] dataKeys = NO_KEYS;
  long[] dataBytes = NO_BYTES;
  TaskState state = TaskState.READY;
  /** Attempts charged to the budget that gave no valid result (failures, timeouts, invalid results). */
  int retriesUsed;
  /** Valid results received, including any later outvoted: they spend the budget too. */
  int validResults;
  /** Attempts on workers now, in dispatch order. */
  final Set<Attempt> live = new LinkedHashSet<>();
  /** Results waiting for validation, checked one at a time so each sees every earlier candidate. */
  final ArrayDeque<Attempt> toValidate = new ArrayDeque<>();
  /** A validation (or recompute) of this task is running off the core's thread. */
  boolean checking;
  /** The attempt whose result that validation checks; null for a recompute or when idle. */
  Attempt inCheck;
  /** Valid results not yet chosen or discarded. */
  final List<Candidate> candidates = new ArrayList<>();
  /** Every check on every result of this task, for the acceptance record. */
  final List<Acceptance.Entry> checks = new ArrayList<>();
  /** Whether this first_valid task was picked for a spot re-execution; null until decided. */
  Boolean spotCheck;
  /** In a ready queue, or waiting out a backoff before joining one. */
  boolean queued;
  /** When it last joined a ready queue: how long it has waited for the worker holding its data. */
  long queuedAt;
  ResultDescriptor result;
  String resultPeer;
  Acceptance acceptance;
  String error;

  Task(
      Job job,
      String id,
      int index,
      TaskDescriptor template,
      int maxAttempts,
      List<TensorSpec> expectedOutputs,
      AcceptancePolicy policy,
      Routing routing) {
    this.job = job;
    this.routing = routing;
    this.id = id;
    this.index = index;
    this.template = template;
    this.operator = template.getOperator();
    this.model = template.getModel();
    this.accelerator = template.getResources().getAccelerator();
    this.memoryBytes = template.getResources().getMemoryBytes();
    this.maxAttempts = maxAttempts;
    this.expectedOutputs = expectedOutputs;
    long bytes = 0;
    for (TensorSpec o : expectedOutputs) {
      bytes += o.byteSize();
    }
    this.outputBytes = bytes;
    this.policy = policy;
    this.upstream = TaskInputs.upstreamIds(template);
    if (upstream.isEmpty()) {
      resolvedAs(template);
    }
  }

  private static final String[] NO_KEYS = {};
  private static final long[] NO_BYTES = {};

  /** The task's inputs are known: what it reads from the data service is noted for locality. */
  void resolvedAs(TaskDescriptor d) {
    resolved = d;
    int n = 0;
    for (Value v : d.getInputsList()) {
      n += TaskInputs.isStored(v) ? 1 : 0;
    }
    if (n == 0) {
      return;
    }
    dataKeys = new String[n];
    dataBytes = new long[n];
    int i = 0;
    for (Value v : d.getInputsList()) {
      if (TaskInputs.isStored(v)) {
        var data = v.getTensorRef().getData();
        long length = data.hasRange() ? data.getRange().getLength() : data.getSize();
        dataKeys[i] = data.getDigest() + "@" + data.getRange().getOffset() + "+" + length;
        dataBytes[i++] = length;
      }
    }
  }

  /** Bytes of this task's stored inputs that {@code held} says the worker has. */
  long heldBy(HeldData held) {
    long sum = 0;
    for (String key : dataKeys) {
      sum += held.held(key);
    }
    return sum;
  }

  /** Tasks with equal keys can run on the same workers; ready queues are kept per key. */
  String requirementKey() {
    return operator + '|' + model + '|' + accelerator + '|' + routing.key();
  }

  Attempt attempt(int n) {
    return n >= 1 && n <= attempts.size() ? attempts.get(n - 1) : null;
  }
}
