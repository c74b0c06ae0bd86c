package dev.shoal.cli;

import dev.shoal.client.EventFilter;
import dev.shoal.client.EventSubscription;
import dev.shoal.client.MeshEvent;
import dev.shoal.client.ShoalClient;
import dev.shoal.protocol.PeerIds;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The orchestrator's event log: one page, or followed for as long as the command runs. A follower
 * survives orchestrator restarts by itself, so {@code events --follow --json} can feed a script
 * that must see every event once.
 */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the orchestrator's event log (jobs, tasks, attempts, workers), in order.",
      "One page by default ('more: --after N' continues it). --follow prints events",
      "as they happen until Ctrl-C, reconnecting by itself after a lost connection",
      "or an orchestrator restart, with no event missed or repeated."
    },
    footer = {
      "",
      "Types: job.published, job.status_changed, task.published, task.status_changed,",
      "task.assigned, result.submitted, attempt.status_changed, worker.connected,",
      "worker.status_changed, worker.disconnected, worker.judged; or a subject: task.*",
      "Exit codes: 0 done, 1 failed (the log no longer has --after: 410 events_gone;",
      "--after is beyond it: 409 conflict), 2 bad usage, 75 orchestrator unreachable",
      "(a page only: --follow waits for it)."
    })
final class EventsCommand implements Callable<Integer> {

  private static final int DEFAULT_LIMIT = 50;

  @Mixin ClientOptions client;
  @Spec CommandSpec spec;

  @Option(names = "--after", paramLabel = "SEQ", defaultValue = "0",
      description = "Events after this sequence number (default: ${DEFAULT-VALUE}, from the start).")
  long after;

  @Option(names = "--type", paramLabel = "TYPE", split = ",",
      description = "Only events of TYPE (repeat it, or comma-separate), e.g. task.assigned or task.*.")
  List<String> types = new ArrayList<>();

  @Option(names = "--service", paramLabel = "NAME", description = "Only events about service NAME (its id or name).")
  String service;

  @Option(names = "--job", paramLabel = "ID", description = "Only events about job ID.")
  String job;

  @Option(names = "--task", paramLabel = "ID", description = "Only events about task ID (JOB.TASK).")
  String task;

  @Option(names = "--principal", paramLabel = "PRINCIPAL",
      description = "Only events on behalf of PRINCIPAL: a client's or fleet owner's id (p…) or name, or a worker's peer id.")
  String principal;

  @Option(names = "--worker", paramLabel = "PEER", description = "Only events about the worker with peer id PEER.")
  String worker;

  @Option(names = "--limit", paramLabel = "N",
      description = "At most N events in the page, 1..1000 (default: " + DEFAULT_LIMIT + "); not with --follow.")
  Integer limit;

  @Option(names = "--follow", description = "Keep printing events as they happen, until Ctrl-C.")
  boolean follow;

  @Override
  public Integer call() {
    if (follow && limit != null) {
      throw new IllegalArgumentException("--limit sizes one page; --follow prints every event as it comes");
    }
    if (after < 0) {
      throw new IllegalArgumentException("--after must not be negative, got " + after);
    }
    EventFilter filter =
        EventFilter.ALL.withTypes(types.stream().map(String::strip).toList()).withJob(job).withTask(task).withWorker(worker);
    PrintWriter out = spec.commandLine().getOut();
    try (ShoalClient c = client.connect()) {
      if (service != null) {
        // The log names services by id.
        filter = filter.withService(ServiceNames.id(c, service, "service"));
      }
      if (principal != null) {
        // The log names principals by id; a worker is its own principal, by peer id.
        filter = filter.withPrincipal(PeerIds.isWellFormed(principal) ? principal : PrincipalNames.id(c, principal, "principal"));
      }
      if (!client.json) {
        header(out);
      }
      if (follow) {
        try (EventSubscription events = c.events().follow(after, filter)) {
          while (events.hasNext()) {
            print(out, events.next());
            // Each event as it comes, also when stdout is a pipe.
            out.flush();
          }
        }
        return 0;
      }
      MeshEvent.Page page = c.events().page(after, filter, limit == null ? DEFAULT_LIMIT : limit);
      page.events().forEach(e -> print(out, e));
      if (page.hasMore()) {
        // Stdout stays one JSON object per event with --json: the hint goes to stderr there, after them.
        out.flush();
        (client.json ? spec.commandLine().getErr() : out).printf("more: --after %d%n", page.nextAfter());
      }
      return 0;
    }
  }

  private static void header(PrintWriter out) {
    out.printf("%8s  %-24s  %-22s  %-30s  %-33s  %-26s  %s%n", "SEQ", "AT", "TYPE", "TASK", "WORKER", "FROM→TO", "DETAIL");
  }

  private void print(PrintWriter out, MeshEvent e) {
    if (client.json) {
      out.println(ClientOptions.toJsonLine(e));
      return;
    }
    String subject = !e.taskId().isEmpty() ? e.taskId() : e.jobId();
    String change = e.from().isEmpty() && e.to().isEmpty() ? "" : (e.from().isEmpty() ? "" : e.from()) + "→" + e.to();
    out.printf(
        "%8d  %-24s  %-22s  %-30s  %-33s  %-26s  %s%n",
        e.seq(), Instant.ofEpochMilli(e.at()), e.type(), orDash(subject), orDash(e.worker()), orDash(change),
        e.detail().replace('\n', ' '));
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
