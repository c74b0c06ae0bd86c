package dev.shoal.orchestrator.internal.core;

import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.ArrayList;
import java.util.HashSet;
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
  final List<Attempt> attempts = new ArrayList<>();
  final Set<String> triedPeers = new HashSet<>();
  TaskState state = TaskState.READY;
  int retriesUsed;
  Attempt live;
  ResultDescriptor result;
  String resultPeer;
  String error;

  Task(Job job, String id, int index, TaskDescriptor template, int maxAttempts, List<TensorSpec> expectedOutputs) {
    this.job = job;
    this.id = id;
    this.index = index;
    this.template = template;
    this.operator = template.getOperator();
    this.model = template.getModel();
    this.accelerator = template.getResources().getAccelerator();
    this.memoryBytes = template.getResources().getMemoryBytes();
    this.maxAttempts = maxAttempts;
    this.expectedOutputs = expectedOutputs;
  }

  /** Tasks with equal keys can run on the same workers; ready queues are kept per key. */
  String requirementKey() {
    return operator + '|' + model + '|' + accelerator;
  }

  Attempt attempt(int n) {
    return n >= 1 && n <= attempts.size() ? attempts.get(n - 1) : null;
  }
}
