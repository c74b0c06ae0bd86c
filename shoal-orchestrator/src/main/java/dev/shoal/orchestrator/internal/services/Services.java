package dev.shoal.orchestrator.internal.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.core.Actor;
import dev.shoal.orchestrator.internal.core.ChangeRefused;
import dev.shoal.orchestrator.internal.core.Journal;
import dev.shoal.orchestrator.internal.events.EventTypes;
import dev.shoal.orchestrator.internal.jobs.ServiceBinding;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.RegistrationRecord;
import dev.shoal.orchestrator.internal.store.ServiceRecord;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import dev.shoal.orchestrator.internal.time.Clock;
import dev.shoal.protocol.v1.NodeDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The services clients created and the workers registered to them. Changes go through the core's
 * {@link Journal} (durable, with their events in the one sequence) and are applied to the maps in
 * that order, so the core's dispatch, which asks {@link #isRegistered} on its own thread, sees a
 * registration as soon as it is made. Thread-safe.
 */
public final class Services {

  public static final int MAX_SERVICES = 10_000;
  public static final int MAX_REGISTRATIONS_PER_SERVICE = 10_000;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Journal journal;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, ServiceRecord> services = new ConcurrentHashMap<>();
  /** Each service's spec, decoded once: a task published to a service needs it on its way in. */
  private final Map<String, ServiceSpec> specs = new ConcurrentHashMap<>();
  /** Service id, then worker peer id: registrations in force. */
  private final Map<String, Map<String, RegistrationRecord>> registered = new ConcurrentHashMap<>();
  /** What each worker's latest signed descriptor said it is. */
  private final Map<String, NodeDescriptor> workers = new ConcurrentHashMap<>();

  public Services(StateStore store, Journal journal, Clock clock) {
    this.journal = journal;
    this.clock = clock;
    store.services().forEach(this::keep);
    for (RegistrationRecord r : store.registrations()) {
      Map<String, RegistrationRecord> of = registered.computeIfAbsent(r.service(), k -> new ConcurrentHashMap<>());
      if (r.inForce()) {
        of.put(r.worker(), r);
      } else {
        of.remove(r.worker(), r);
      }
    }
  }

  // ---------------------------------------------------------------- reads

  public Optional<ServiceRecord> service(String id) {
    return Optional.ofNullable(services.get(id));
  }

  /** Services of {@code owner} ("" for all), oldest first, retired ones only if asked. */
  public List<ServiceRecord> services(String owner, boolean includeRetired) {
    return services.values().stream()
        .filter(s -> (owner.isEmpty() || s.owner().equals(owner)) && (includeRetired || !s.retired()))
        .sorted(Comparator.comparingLong(ServiceRecord::createdAt).thenComparing(ServiceRecord::id))
        .toList();
  }

  public boolean isRegistered(String service, String worker) {
    Map<String, RegistrationRecord> of = registered.get(service);
    return of != null && of.containsKey(worker);
  }

  /** Registrations in force, oldest first. */
  public List<RegistrationRecord> registrations(String service) {
    Map<String, RegistrationRecord> of = registered.get(service);
    return of == null
        ? List.of()
        : of.values().stream().sorted(Comparator.comparingLong(RegistrationRecord::registeredAt).thenComparing(RegistrationRecord::worker)).toList();
  }

  /** What publishing a task to live service {@code id} fixes, or empty if there is no such live service. */
  public Optional<ServiceBinding> binding(String id) {
    ServiceRecord r = services.get(id);
    if (r == null || r.retired()) {
      return Optional.empty();
    }
    ServiceSpec s = specs.get(id);
    return Optional.of(
        new ServiceBinding(
            r.id(), s.operator(), s.model(), s.command(), s.acceptance(), s.maxLifetimeMillis(), s.externallyScheduled(),
            s.minPayment(), s.maxPayment()));
  }

  /** The spec a stored service was made from. */
  public static ServiceSpec spec(ServiceRecord r) {
    try {
      JsonNode config = MAPPER.readTree(r.config());
      JsonNode hw = MAPPER.readTree(r.hardware());
      return new ServiceSpec(
          r.name(), r.operator(), text(config, "model"), text(config, "command"), text(config, "image"),
          hw.path("min_cores").asInt(0), hw.path("min_memory_bytes").asLong(0), text(hw, "accelerator"),
          AcceptancePolicy.parse(r.acceptance()), r.minPayment(), r.maxPayment(), r.maxLifetimeMillis(),
          r.externallyScheduled());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  // ---------------------------------------------------------------- services

  /** Creates a service owned by {@code by}'s principal (a client; the caller checked it may). */
  public CompletableFuture<ServiceRecord> create(ServiceSpec spec, Actor by) {
    byte[] bits = new byte[8];
    random.nextBytes(bits);
    String id = "svc_" + HexFormat.of().formatHex(bits);
    return journal.record(() -> {
      if (services.size() >= MAX_SERVICES) {
        throw new ChangeRefused("at most " + MAX_SERVICES + " services", ChangeRefused.Kind.CONFLICT);
      }
      requireFreeName(spec.name(), id);
      long now = clock.millis();
      ServiceRecord r = record(id, by.principal(), spec, false, now, now, by.key());
      keep(r);
      return new Journal.Entry<>(
          r, List.of(new StoreWrite.PutService(r)),
          List.of(event(EventTypes.SERVICE_CREATED, r, "", spec.name() + " " + spec.operator(), by)));
    });
  }

  /** Replaces a live service's spec; its operator is fixed at creation. */
  public CompletableFuture<ServiceRecord> update(String id, ServiceSpec spec, Actor by) {
    return journal.record(() -> {
      ServiceRecord old = live(id);
      if (!old.operator().equals(spec.operator())) {
        throw new ChangeRefused("a service's operator is fixed; create another service for " + spec.operator(), ChangeRefused.Kind.INVALID);
      }
      requireFreeName(spec.name(), id);
      ServiceRecord r = record(id, old.owner(), spec, false, old.createdAt(), clock.millis(), by.key());
      keep(r);
      return new Journal.Entry<>(
          r, List.of(new StoreWrite.PutService(r)), List.of(event(EventTypes.SERVICE_UPDATED, r, "", "", by)));
    });
  }

  /** Retires a service for good: it takes no new tasks. False if it was retired already. */
  public CompletableFuture<Boolean> retire(String id, Actor by) {
    return journal.record(() -> {
      ServiceRecord old = services.get(id);
      if (old == null) {
        throw new ChangeRefused("no service " + id, ChangeRefused.Kind.NOT_FOUND);
      }
      if (old.retired()) {
        return new Journal.Entry<>(false, List.of(), List.of());
      }
      ServiceRecord r =
          new ServiceRecord(
              old.id(), old.owner(), old.name(), old.operator(), old.config(), old.hardware(), old.acceptance(),
              old.minPayment(), old.maxPayment(), old.maxLifetimeMillis(), old.externallyScheduled(), true,
              old.createdAt(), clock.millis(), by.key());
      keep(r);
      return new Journal.Entry<>(
          true, List.of(new StoreWrite.PutService(r)), List.of(event(EventTypes.SERVICE_RETIRED, r, "", "", by)));
    });
  }

  /** Takes {@code r} as the service's current state, its decoded spec with it. */
  private void keep(ServiceRecord r) {
    specs.put(r.id(), spec(r));
    services.put(r.id(), r);
  }

  private ServiceRecord live(String id) {
    ServiceRecord r = services.get(id);
    if (r == null) {
      throw new ChangeRefused("no service " + id, ChangeRefused.Kind.NOT_FOUND);
    }
    if (r.retired()) {
      throw new ChangeRefused("service " + id + " is retired", ChangeRefused.Kind.CONFLICT);
    }
    return r;
  }

  private void requireFreeName(String name, String except) {
    for (ServiceRecord s : services.values()) {
      if (!s.retired() && s.name().equals(name) && !s.id().equals(except)) {
        throw new ChangeRefused("a live service is already named " + name + " (" + s.id() + ")", ChangeRefused.Kind.CONFLICT);
      }
    }
  }

  private static ServiceRecord record(
      String id, String owner, ServiceSpec spec, boolean retired, long createdAt, long updatedAt, String actor) {
    ObjectNode config = MAPPER.createObjectNode();
    if (spec.model() != null) {
      config.put("model", spec.model());
    }
    if (spec.command() != null) {
      config.put("command", spec.command());
    }
    if (spec.image() != null) {
      config.put("image", spec.image());
    }
    ObjectNode hw = MAPPER.createObjectNode().put("min_cores", spec.minCores()).put("min_memory_bytes", spec.minMemoryBytes());
    if (spec.accelerator() != null) {
      hw.put("accelerator", spec.accelerator());
    }
    return new ServiceRecord(
        id, owner, spec.name(), spec.operator(), config.toString(), hw.toString(), spec.acceptance().toString(),
        spec.minPayment(), spec.maxPayment(), spec.maxLifetimeMillis(), spec.externallyScheduled(), retired, createdAt,
        updatedAt, actor);
  }

  // ---------------------------------------------------------------- registrations

  /**
   * Registers {@code worker} to a live service, for principal {@code on} (the worker itself, its
   * fleet owner or a delegate: the caller checked that {@code by} may). The worker must have
   * connected since this orchestrator started, run the service's operator and meet its hardware
   * needs. False when it was registered already.
   */
  public CompletableFuture<Boolean> register(String service, String worker, String on, Actor by) {
    return journal.record(() -> registerNow(service, worker, on, by));
  }

  private Journal.Entry<Boolean> registerNow(String service, String worker, String on, Actor by) {
    ServiceRecord s = live(service);
    NodeDescriptor d = workers.get(worker);
    if (d == null) {
      throw new ChangeRefused("worker " + worker + " has not connected since the orchestrator started; connect it first", ChangeRefused.Kind.CONFLICT);
    }
    String unfit = unfit(specs.get(service), d);
    if (unfit != null) {
      throw new ChangeRefused("worker " + worker + " cannot serve " + s.id() + ": " + unfit, ChangeRefused.Kind.INVALID);
    }
    Map<String, RegistrationRecord> of = registered.computeIfAbsent(service, k -> new ConcurrentHashMap<>());
    if (of.containsKey(worker)) {
      return new Journal.Entry<>(false, List.of(), List.of());
    }
    if (of.size() >= MAX_REGISTRATIONS_PER_SERVICE) {
      throw new ChangeRefused("service " + service + " has " + MAX_REGISTRATIONS_PER_SERVICE + " workers already", ChangeRefused.Kind.CONFLICT);
    }
    RegistrationRecord r = new RegistrationRecord(service, worker, clock.millis(), 0, on, by.key());
    of.put(worker, r);
    return new Journal.Entry<>(
        true, List.of(new StoreWrite.PutRegistration(r)),
        List.of(event(EventTypes.WORKER_REGISTERED, s, worker, "by " + on, new Actor(on, by.key()))));
  }

  /** Ends a registration; false if there was none. */
  public CompletableFuture<Boolean> unregister(String service, String worker, String on, Actor by) {
    return journal.record(() -> unregister(service, worker, on, by.key()));
  }

  private Journal.Entry<Boolean> unregister(String service, String worker, String on, String key) {
    ServiceRecord s = services.get(service);
    if (s == null) {
      throw new ChangeRefused("no service " + service, ChangeRefused.Kind.NOT_FOUND);
    }
    Map<String, RegistrationRecord> of = registered.get(service);
    RegistrationRecord r = of == null ? null : of.remove(worker);
    if (r == null) {
      return new Journal.Entry<>(false, List.of(), List.of());
    }
    return new Journal.Entry<>(
        true, List.of(new StoreWrite.PutRegistration(r.ended(clock.millis()))),
        List.of(event(EventTypes.WORKER_UNREGISTERED, s, worker, "by " + on, new Actor(on, key))));
  }

  /** Why a worker described by {@code d} cannot serve {@code spec}, or null if it can. */
  static String unfit(ServiceSpec spec, NodeDescriptor d) {
    if (!d.getOperatorsList().contains(spec.operator())) {
      return "it does not run " + spec.operator();
    }
    if (spec.model() != null && d.getModelsList().stream().noneMatch(m -> m.equalsIgnoreCase(spec.model()))) {
      return "it does not serve model " + spec.model();
    }
    if (d.getHardware().getCores() < spec.minCores()) {
      return "it has " + d.getHardware().getCores() + " cores, the service needs " + spec.minCores();
    }
    if (d.getHardware().getMemoryBytes() < spec.minMemoryBytes()) {
      return "it has less memory than the service needs (" + spec.minMemoryBytes() + " bytes)";
    }
    if (spec.accelerator() != null
        && d.getHardware().getAcceleratorsList().stream().noneMatch(a -> a.getKind().equalsIgnoreCase(spec.accelerator()))) {
      return "it has no " + spec.accelerator() + " accelerator";
    }
    return null;
  }

  /**
   * A worker connected with a signed descriptor: remember what it is, and apply the services it
   * lists as its own registrations (the worker registering itself), ending the ones it made
   * itself and no longer lists. Called on the core's thread.
   */
  public void workerConnected(NodeDescriptor d) {
    String worker = d.getPeerId();
    workers.put(worker, d);
    Set<String> listed = Set.copyOf(d.getServicesList());
    List<String> toEnd = new ArrayList<>();
    registered.forEach((service, of) -> {
      RegistrationRecord r = of.get(worker);
      if (r != null && r.by().equals(worker) && !listed.contains(service)) {
        toEnd.add(service);
      }
    });
    List<String> toAdd = listed.stream().filter(services::containsKey).filter(s -> !isRegistered(s, worker)).toList();
    if (toEnd.isEmpty() && toAdd.isEmpty()) {
      return;
    }
    journal.record(() -> {
      List<StoreWrite> writes = new ArrayList<>();
      List<EventRecord> events = new ArrayList<>();
      for (String s : toEnd) {
        Journal.Entry<Boolean> e = unregister(s, worker, worker, "");
        writes.addAll(e.writes());
        events.addAll(e.events());
      }
      for (String s : toAdd) {
        try {
          Journal.Entry<Boolean> e = registerNow(s, worker, worker, new Actor(worker, ""));
          writes.addAll(e.writes());
          events.addAll(e.events());
        } catch (RuntimeException unfitOrRetired) {
          // A service it cannot serve (or one retired since) is simply not joined.
        }
      }
      return new Journal.Entry<>(null, writes, events);
    });
  }

  private static EventRecord event(String type, ServiceRecord s, String worker, String detail, Actor by) {
    return new EventRecord(0, 0, type, "service", "", "", 0, worker, "", "", detail, s.id(), by.principal().isEmpty() ? s.owner() : by.principal(), by.key());
  }
}
