package dev.shoal.examples.scheduler;

import dev.shoal.client.ConflictException;
import dev.shoal.client.EventFilter;
import dev.shoal.client.EventSubscription;
import dev.shoal.client.MeshEvent;
import dev.shoal.client.MeshOverloadedException;
import dev.shoal.client.NotFoundException;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.ShoalClientOptions;
import dev.shoal.client.ShoalException;
import dev.shoal.client.WorkerInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A fleet-side scheduler for one externally scheduled service (API.md, "External scheduling"). It
 * follows the service's {@code task.published} events, and {@code task.status_changed} back to
 * {@code READY} after a failed attempt, and assigns each such task to the least loaded of the
 * fleet's workers registered to the service. It acts with a delegate's key (granted {@code
 * assign} by the fleet owner) on the owner's behalf, so the owner's own key stays elsewhere.
 *
 * <p>It prints one line per decision, starting with the event's {@code seq}. Stopped, it resumes
 * with {@code --after} the last seq printed: nothing published meanwhile is missed, and a task
 * assigned already is refused by the orchestrator (409) and skipped.
 */
public final class Scheduler {

  static final String USAGE =
      "usage: scheduler --api-key-file FILE --fleet p… --service svc_… [--url http://127.0.0.1:8080] [--after SEQ]";

  /** The shortest and longest waits while no worker of the fleet has a free slot. */
  private static final Duration FIRST_WAIT = Duration.ofMillis(50);
  private static final Duration LONGEST_WAIT = Duration.ofSeconds(2);

  private final ShoalClient shoal;
  private final FleetView fleet;
  private final String service;
  private final PrintStream out;
  private long lastSeq;

  Scheduler(ShoalClient shoal, FleetView fleet, String service, PrintStream out) {
    this.shoal = shoal;
    this.fleet = fleet;
    this.service = service;
    this.out = out;
  }

  /** The command line: what to follow, for whom, with which key. */
  record Options(URI url, Path apiKeyFile, String fleet, String service, long after) {

    static Options parse(String... args) {
      Map<String, String> given = new HashMap<>();
      Set<String> known = Set.of("--url", "--api-key-file", "--fleet", "--service", "--after");
      for (int i = 0; i < args.length; i += 2) {
        if (!known.contains(args[i])) {
          throw new IllegalArgumentException("unknown option " + args[i]);
        }
        if (i + 1 == args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        given.put(args[i], args[i + 1]);
      }
      for (String required : List.of("--api-key-file", "--fleet", "--service")) {
        if (!given.containsKey(required)) {
          throw new IllegalArgumentException(required + " is required");
        }
      }
      long after;
      try {
        after = Long.parseLong(given.getOrDefault("--after", "0"));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--after must be an event's seq, got " + given.get("--after"));
      }
      return new Options(
          URI.create(given.getOrDefault("--url", "http://127.0.0.1:8080")),
          Path.of(given.get("--api-key-file")),
          given.get("--fleet"),
          given.get("--service"),
          after);
    }
  }

  public static void main(String[] args) {
    Options o;
    ShoalClientOptions options;
    try {
      o = Options.parse(args);
      String key = Files.readString(o.apiKeyFile()).strip();
      options = ShoalClientOptions.builder().baseUrl(o.url()).apiKey(key).onBehalfOf(o.fleet()).build();
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("scheduler: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
      return;
    }
    Scheduler scheduler = null;
    try (ShoalClient shoal = ShoalClient.create(options)) {
      scheduler = new Scheduler(shoal, new FleetView(shoal, o.fleet(), o.service()), o.service(), System.out);
      scheduler.run(o.after());
    } catch (ShoalException e) {
      long resume = scheduler == null ? o.after() : scheduler.lastSeq;
      System.err.println("scheduler: " + e.getMessage() + " [" + e.code() + "]; resume with --after " + resume);
      System.exit(1);
    }
  }

  /** Follows the service's task events from after {@code after}, for as long as the log goes on. */
  void run(long after) {
    lastSeq = after;
    EventFilter filter = EventFilter.types("task.published", "task.status_changed").withService(service);
    try (EventSubscription events = shoal.events().follow(after, filter)) {
      say("following %s for fleet %s after seq %d", service, fleet.owner(), after);
      while (events.hasNext()) {
        MeshEvent e = events.next();
        if (e.type().equals("task.published") || e.to().equals("READY")) {
          schedule(e);
        }
        lastSeq = e.seq();
      }
    }
  }

  /**
   * Assigns the task of {@code e} to the least loaded worker of the fleet, waiting (with backoff)
   * while none has a free slot. A worker that refuses it (409 while the task still waits) is left
   * out and the next tried; a task that no longer waits is skipped.
   */
  private void schedule(MeshEvent e) {
    String task = e.taskId();
    Set<String> refused = new HashSet<>();
    Duration wait = FIRST_WAIT;
    String waitingFor = "";
    for (int round = 0; ; round++) {
      String why;
      try {
        if (round > 0 && !stillWaiting(e)) {
          say("seq=%d task=%s skipped: no longer waiting for a worker", e.seq(), task);
          return;
        }
        List<WorkerInfo> candidates = fleet.candidates(refused);
        Optional<WorkerInfo> pick = fleet.leastLoaded(candidates);
        if (candidates.isEmpty() && !refused.isEmpty()) {
          say("seq=%d task=%s skipped: every worker of the fleet refused it (%s)", e.seq(), task, String.join(", ", refused));
          return;
        }
        if (pick.isPresent()) {
          WorkerInfo w = pick.get();
          try {
            shoal.tasks().assign(task, w.peerId());
            fleet.assigned(w.peerId());
            say("seq=%d task=%s assigned worker=%s (%s, %d of %d slots busy)",
                e.seq(), task, w.peerId(), w.name(), w.load().current(), w.load().max());
            return;
          } catch (MeshOverloadedException full) {
            why = "worker " + w.peerId() + " is full";
          } catch (ConflictException no) {
            if (!stillWaiting(e)) {
              say("seq=%d task=%s skipped: %s", e.seq(), task, no.getMessage());
              return;
            }
            refused.add(w.peerId());
            say("seq=%d task=%s refused by worker=%s: %s", e.seq(), task, w.peerId(), no.getMessage());
            continue;
          }
        } else {
          why = candidates.isEmpty() ? "no worker of the fleet is registered and connected" : "every worker of the fleet is full";
        }
      } catch (ShoalException failure) {
        if (!failure.retryable()) {
          throw failure;
        }
        why = failure.getMessage();
      }
      if (!why.equals(waitingFor)) {
        say("seq=%d task=%s waiting: %s", e.seq(), task, why);
        waitingFor = why;
      }
      sleep(wait);
      wait = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
    }
  }

  /** Whether the task still waits for an assignment (not cancelled, expired, finished or taken). */
  private boolean stillWaiting(MeshEvent e) {
    try {
      return shoal.tasks().status(e.taskId()).state().equals("ready");
    } catch (NotFoundException gone) {
      return false;
    }
  }

  private void say(String format, Object... args) {
    out.println(String.format(format, args));
    out.flush();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
