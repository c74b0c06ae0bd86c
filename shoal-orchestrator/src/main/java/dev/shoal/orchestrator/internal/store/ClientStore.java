package dev.shoal.orchestrator.internal.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the orchestrator keeps about its clients rather than its work: API keys and webhook
 * deliveries. Apart from {@link StateStore} because it changes at a different pace (a key a day, a
 * delivery per webhook task) and must not wait behind the job batches. Implementations are
 * thread-safe; every method returns once its change is committed.
 */
public interface ClientStore extends AutoCloseable {

  /** Adds a new key; fails if its id exists. */
  void putKey(KeyRecord key);

  /** Every key, revoked ones included, oldest first. */
  List<KeyRecord> keys();

  /** Marks a key revoked at {@code at}; false if no such key. An earlier revocation stands. */
  boolean revokeKey(String id, long at);

  /** Records when keys were last used (id to epoch ms), in one commit; never moves a time back. */
  void touchKeys(Map<String, Long> lastUsedAt);

  /** Adds a new delivery; fails if its task already has one. */
  void putDelivery(DeliveryRecord delivery);

  /** Replaces a delivery's state (the task ended); fails if it does not exist. */
  void updateDelivery(DeliveryRecord delivery);

  /** Stores an attempt and the delivery's new state together. */
  void recordDeliveryAttempt(DeliveryRecord delivery, DeliveryAttemptRecord attempt);

  Optional<DeliveryRecord> delivery(String taskId);

  /** Deliveries not finished: waiting for their task, or pending an attempt. */
  List<DeliveryRecord> openDeliveries();

  /** A delivery's attempts, in order. */
  List<DeliveryAttemptRecord> deliveryAttempts(String taskId);

  /** Adds an event subscription; fails if its id exists. */
  void putSubscription(SubscriptionRecord subscription);

  /** Replaces a subscription's delivery state; false if it was deleted meanwhile. */
  boolean updateSubscription(SubscriptionRecord subscription);

  /** Deletes a subscription; false if no such one. */
  boolean deleteSubscription(String id);

  /** Every subscription, oldest first. */
  List<SubscriptionRecord> subscriptions();

  @Override
  void close();
}
