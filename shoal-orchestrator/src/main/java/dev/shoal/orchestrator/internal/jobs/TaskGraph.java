package dev.shoal.orchestrator.internal.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.orchestrator.internal.http.ApiException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dependencies of a task list, read from inputs of the form {@code {"from": "task-id"}}: each
 * must name another task of the job, and together they must form a DAG. The order returned runs
 * every task after the tasks it reads, so the planner knows each input's spec when it needs it.
 */
final class TaskGraph {

  static final Set<String> FROM_FIELDS = Set.of("from", "output");

  private TaskGraph() {}

  /**
   * Task indices in an order where each comes after every task it reads from.
   *
   * @throws ApiException {@code invalid_argument} for a reference to no task of the job, or a cycle
   */
  static List<Integer> order(JsonNode tasks, List<String> ids, Map<String, Integer> index) {
    int n = ids.size();
    List<Set<Integer>> reads = new ArrayList<>(n);
    List<List<Integer>> readers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      readers.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      Set<Integer> from = new LinkedHashSet<>();
      JsonNode inputs = tasks.get(i).get("inputs");
      if (inputs != null && inputs.isArray()) {
        for (int k = 0; k < inputs.size(); k++) {
          JsonNode in = inputs.get(k);
          if (!in.isObject() || !in.has("from")) {
            continue;
          }
          String where = "tasks[" + i + "].inputs[" + k + "].from";
          JsonNode f = in.get("from");
          if (!f.isTextual()) {
            throw ApiException.invalidArgument(where + " must be the id of another task of this job");
          }
          Integer u = index.get(f.textValue());
          if (u == null) {
            throw ApiException.invalidArgument(
                where + " '" + TensorJson.printable(f.textValue()) + "' names no task of this job");
          }
          if (u == i) {
            throw ApiException.invalidArgument(where + ": task '" + ids.get(i) + "' cannot read its own output");
          }
          if (from.add(u)) {
            readers.get(u).add(i);
          }
        }
      }
      reads.add(from);
    }
    // Kahn's algorithm, taking tasks in submission order where the graph leaves a choice.
    int[] waiting = new int[n];
    ArrayDeque<Integer> ready = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      waiting[i] = reads.get(i).size();
      if (waiting[i] == 0) {
        ready.add(i);
      }
    }
    List<Integer> order = new ArrayList<>(n);
    while (!ready.isEmpty()) {
      int t = ready.poll();
      order.add(t);
      for (int r : readers.get(t)) {
        if (--waiting[r] == 0) {
          ready.add(r);
        }
      }
    }
    if (order.size() < n) {
      throw ApiException.invalidArgument("tasks form a cycle: " + cycle(reads, waiting, ids) + "; a job must be a DAG");
    }
    return order;
  }

  /** One cycle among the tasks Kahn's algorithm could not order, as "a -> b -> a". */
  private static String cycle(List<Set<Integer>> reads, int[] waiting, List<String> ids) {
    int start = 0;
    while (waiting[start] == 0) {
      start++;
    }
    // Every unordered task reads some unordered task: walk those edges until one repeats.
    List<Integer> path = new ArrayList<>();
    int at = start;
    while (!path.contains(at)) {
      path.add(at);
      for (int u : reads.get(at)) {
        if (waiting[u] > 0) {
          at = u;
          break;
        }
      }
    }
    List<Integer> loop = path.subList(path.indexOf(at), path.size());
    StringBuilder b = new StringBuilder();
    // Walked reader -> input; shown in data-flow order.
    for (int i = loop.size() - 1; i >= 0; i--) {
      b.append('\'').append(ids.get(loop.get(i))).append("' -> ");
    }
    return b.append('\'').append(ids.get(loop.getLast())).append('\'').toString();
  }
}
