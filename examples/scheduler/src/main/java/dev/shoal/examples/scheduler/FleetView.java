package dev.shoal.examples.scheduler;

import dev.shoal.client.ServiceRegistration;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.WorkerInfo;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The scheduler's view of its fleet: the workers registered to the service that name the fleet
 * owner in their signed descriptor ({@code owner}; the orchestrator checks the pairing itself when
 * assigning) and can take work now, with their load. It is read afresh before every decision (two
 * GETs), so a decision never rests on a stale count of free slots.
 */
final class FleetView {

  private final ShoalClient shoal;
  private final String owner;
  private final String service;
  /** When each worker was last given a task, in assignments made: ties in load go to the one idle longest. */
  private final Map<String, Long> lastAssigned = new HashMap<>();
  private long assignments;

  FleetView(ShoalClient shoal, String owner, String service) {
    this.shoal = shoal;
    this.owner = owner;
    this.service = service;
  }

  String owner() {
    return owner;
  }

  /** The fleet's workers registered to the service, connected, neither draining nor quarantined, less {@code refused}. */
  List<WorkerInfo> candidates(Set<String> refused) {
    Set<String> registered =
        shoal.services().workers(service).stream().map(ServiceRegistration::worker).collect(Collectors.toSet());
    return shoal.workers().list().stream()
        .filter(w -> registered.contains(w.peerId()) && owner.equals(w.owner()) && !refused.contains(w.peerId()))
        .filter(w -> w.online() && !w.draining() && !w.reputation().quarantined())
        .toList();
  }

  /** The least loaded of {@code candidates} with a free slot; among equals, the one given a task longest ago. */
  Optional<WorkerInfo> leastLoaded(List<WorkerInfo> candidates) {
    return leastLoaded(candidates, lastAssigned);
  }

  static Optional<WorkerInfo> leastLoaded(List<WorkerInfo> candidates, Map<String, Long> lastAssigned) {
    return candidates.stream()
        .filter(w -> w.freeSlots() > 0)
        .min(Comparator.comparingDouble((WorkerInfo w) -> (double) w.load().current() / Math.max(1, w.load().max()))
            .thenComparingLong(w -> lastAssigned.getOrDefault(w.peerId(), -1L))
            .thenComparing(WorkerInfo::peerId));
  }

  void assigned(String peerId) {
    lastAssigned.put(peerId, assignments++);
  }
}
