package dev.shoal.orchestrator.internal.core;

import java.util.Locale;

/**
 * Which workers may run a task, beyond what its operator needs, and whether it may wait for one.
 *
 * <p>{@code pinnedPeer}: only that worker. {@code match}: a string matched in tiers, first hit
 * wins: (1) a peer id exactly, (2) a worker's name or one of its services ignoring case, (3) a
 * model it serves ignoring case. {@code immediate}: the task must find a free slot when it is
 * submitted or be refused as overload; it never waits in a queue for its first attempt.
 * {@code service}: only workers registered to that service. {@code external}: the built-in
 * scheduler leaves it alone; the service's own scheduler assigns it to a worker.
 */
public record Routing(String pinnedPeer, String match, boolean immediate, String service, boolean external) {

  /** Any worker that runs the operator; the task may queue. */
  public static final Routing ANY = new Routing("", "", false);

  public Routing {
    if (!pinnedPeer.isEmpty() && !match.isEmpty()) {
      throw new IllegalArgumentException("a task is either pinned to a worker or matched, not both");
    }
    if (external && (service.isEmpty() || immediate)) {
      throw new IllegalArgumentException("only a queued task of a service is scheduled externally");
    }
  }

  public Routing(String pinnedPeer, String match, boolean immediate) {
    this(pinnedPeer, match, immediate, "", false);
  }

  /** The same routing, limited to workers registered to {@code serviceId}. */
  public Routing inService(String serviceId, boolean externallyScheduled) {
    return new Routing(pinnedPeer, match, immediate, serviceId, externallyScheduled);
  }

  public static Routing pinned(String peerId, boolean immediate) {
    return new Routing(peerId, "", immediate);
  }

  public static Routing matching(String match, boolean immediate) {
    return new Routing("", match, immediate);
  }

  /**
   * The routing of a recovered task: a single-task job ({@code kind} "task") keeps its {@code
   * worker} and {@code model} in its stored spec; other jobs go to any worker. Recovered tasks
   * queue: the client that wanted an immediate answer is gone.
   */
  static Routing fromSpec(String kind, byte[] spec) {
    if (!"task".equals(kind) || spec == null) {
      return ANY;
    }
    try {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(spec);
      String worker = node.path("worker").asText("");
      String model = node.path("model").asText("");
      Routing r = !worker.isEmpty() ? pinned(worker, false) : matching(model, false);
      String service = node.path("service").asText("");
      return service.isEmpty() ? r : r.inService(service, node.path("external").asBoolean(false));
    } catch (java.io.IOException e) {
      return ANY;
    }
  }

  /** Tasks with equal keys can go to the same workers. */
  String key() {
    String base = pinnedPeer.isEmpty() ? (match.isEmpty() ? "" : "~" + match.toLowerCase(Locale.ROOT)) : "@" + pinnedPeer;
    return service.isEmpty() ? base : base + "%" + service;
  }
}
