package dev.shoal.orchestrator.internal.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Keys and deliveries in memory, for tests and throwaway meshes. Thread-safe (one lock). */
public final class MemoryClientStore implements ClientStore {

  private final Map<String, KeyRecord> keys = new LinkedHashMap<>();
  private final Map<String, DeliveryRecord> deliveries = new HashMap<>();
  private final Map<String, List<DeliveryAttemptRecord>> attempts = new HashMap<>();
  private final Map<String, SubscriptionRecord> subscriptions = new LinkedHashMap<>();

  @Override
  public synchronized void putKey(KeyRecord key) {
    if (keys.putIfAbsent(key.id(), key) != null) {
      throw new StoreException("key " + key.id() + " already exists");
    }
  }

  @Override
  public synchronized List<KeyRecord> keys() {
    List<KeyRecord> all = new ArrayList<>(keys.values());
    all.sort(Comparator.comparingLong(KeyRecord::createdAt).thenComparing(KeyRecord::id));
    return all;
  }

  @Override
  public synchronized boolean revokeKey(String id, long at) {
    KeyRecord k = keys.get(id);
    if (k == null) {
      return false;
    }
    if (k.revokedAt() == 0) {
      keys.put(id, new KeyRecord(
          k.id(), k.name(), k.scopes(), k.rateLimit(), k.secretHash(), k.createdAt(), k.lastUsedAt(), at, k.principal()));
    }
    return true;
  }

  @Override
  public synchronized void touchKeys(Map<String, Long> lastUsedAt) {
    lastUsedAt.forEach((id, at) -> keys.computeIfPresent(id, (i, k) -> at <= k.lastUsedAt() ? k
        : new KeyRecord(
            k.id(), k.name(), k.scopes(), k.rateLimit(), k.secretHash(), k.createdAt(), at, k.revokedAt(), k.principal())));
  }

  @Override
  public synchronized void putDelivery(DeliveryRecord delivery) {
    if (deliveries.putIfAbsent(delivery.taskId(), delivery) != null) {
      throw new StoreException("task " + delivery.taskId() + " already has a webhook delivery");
    }
  }

  @Override
  public synchronized void updateDelivery(DeliveryRecord delivery) {
    if (deliveries.replace(delivery.taskId(), delivery) == null) {
      throw new StoreException("task " + delivery.taskId() + " has no webhook delivery");
    }
  }

  @Override
  public synchronized void recordDeliveryAttempt(DeliveryRecord delivery, DeliveryAttemptRecord attempt) {
    updateDelivery(delivery);
    attempts.computeIfAbsent(attempt.taskId(), t -> new ArrayList<>()).add(attempt);
  }

  @Override
  public synchronized Optional<DeliveryRecord> delivery(String taskId) {
    return Optional.ofNullable(deliveries.get(taskId));
  }

  @Override
  public synchronized List<DeliveryRecord> openDeliveries() {
    return deliveries.values().stream()
        .filter(d -> !d.state().isFinished())
        .sorted(Comparator.comparingLong(DeliveryRecord::registeredAt).thenComparing(DeliveryRecord::taskId))
        .toList();
  }

  @Override
  public synchronized List<DeliveryAttemptRecord> deliveryAttempts(String taskId) {
    return List.copyOf(attempts.getOrDefault(taskId, List.of()));
  }

  @Override
  public synchronized void putSubscription(SubscriptionRecord subscription) {
    if (subscriptions.putIfAbsent(subscription.id(), subscription) != null) {
      throw new StoreException("subscription " + subscription.id() + " already exists");
    }
  }

  @Override
  public synchronized boolean updateSubscription(SubscriptionRecord subscription) {
    return subscriptions.replace(subscription.id(), subscription) != null;
  }

  @Override
  public synchronized boolean deleteSubscription(String id) {
    return subscriptions.remove(id) != null;
  }

  @Override
  public synchronized List<SubscriptionRecord> subscriptions() {
    return List.copyOf(subscriptions.values());
  }

  @Override
  public void close() {}
}
