package dev.shoal.orchestrator.internal.auth;

import dev.shoal.orchestrator.internal.store.ClientStore;
import dev.shoal.orchestrator.internal.store.DeliveryAttemptRecord;
import dev.shoal.orchestrator.internal.store.DeliveryRecord;
import dev.shoal.orchestrator.internal.store.KeyRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A store that passes every call on; tests override what they want to watch. */
class ForwardingClientStore implements ClientStore {

  private final ClientStore delegate;

  ForwardingClientStore(ClientStore delegate) {
    this.delegate = delegate;
  }

  @Override public void putKey(KeyRecord key) { delegate.putKey(key); }
  @Override public List<KeyRecord> keys() { return delegate.keys(); }
  @Override public boolean revokeKey(String id, long at) { return delegate.revokeKey(id, at); }
  @Override public void touchKeys(Map<String, Long> lastUsedAt) { delegate.touchKeys(lastUsedAt); }
  @Override public void putDelivery(DeliveryRecord d) { delegate.putDelivery(d); }
  @Override public void updateDelivery(DeliveryRecord d) { delegate.updateDelivery(d); }
  @Override public void recordDeliveryAttempt(DeliveryRecord d, DeliveryAttemptRecord a) { delegate.recordDeliveryAttempt(d, a); }
  @Override public Optional<DeliveryRecord> delivery(String taskId) { return delegate.delivery(taskId); }
  @Override public List<DeliveryRecord> openDeliveries() { return delegate.openDeliveries(); }
  @Override public List<DeliveryAttemptRecord> deliveryAttempts(String taskId) { return delegate.deliveryAttempts(taskId); }
  @Override public void putSubscription(dev.shoal.orchestrator.internal.store.SubscriptionRecord s) { delegate.putSubscription(s); }
  @Override public boolean updateSubscription(dev.shoal.orchestrator.internal.store.SubscriptionRecord s) { return delegate.updateSubscription(s); }
  @Override public boolean deleteSubscription(String id) { return delegate.deleteSubscription(id); }
  @Override public List<dev.shoal.orchestrator.internal.store.SubscriptionRecord> subscriptions() { return delegate.subscriptions(); }
  @Override public void close() { delegate.close(); }
}
