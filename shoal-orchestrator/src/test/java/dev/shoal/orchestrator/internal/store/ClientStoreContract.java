package dev.shoal.orchestrator.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link ClientStore} must do; one subclass per backend. */
abstract class ClientStoreContract {

  protected ClientStore store;

  protected abstract ClientStore open();

  /** The same backend over the same data, as after a restart (the memory store keeps its instance). */
  protected abstract ClientStore reopen();

  @BeforeEach
  void openStore() {
    store = open();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private static KeyRecord key(String id, long createdAt) {
    return new KeyRecord(id, "name-" + id, List.of("read", "submit"), 20, new byte[] {1, 2, 3}, createdAt, 0, 0, "p" + id);
  }

  @Test
  void keysComeBackOldestFirstWithEveryField() {
    store.putKey(key("bbbbbbbbbb", 20));
    store.putKey(key("aaaaaaaaaa", 10));
    store = reopenedStore();
    assertThat(store.keys()).extracting(KeyRecord::id).containsExactly("aaaaaaaaaa", "bbbbbbbbbb");
    KeyRecord k = store.keys().getFirst();
    assertThat(k.name()).isEqualTo("name-aaaaaaaaaa");
    assertThat(k.scopes()).containsExactly("read", "submit");
    assertThat(k.rateLimit()).isEqualTo(20);
    assertThat(k.secretHash()).containsExactly(1, 2, 3);
    assertThat(k.createdAt()).isEqualTo(10);
    assertThat(k.lastUsedAt()).isZero();
    assertThat(k.revokedAt()).isZero();
  }

  @Test
  void aDuplicateKeyIdIsRefused() {
    store.putKey(key("aaaaaaaaaa", 10));
    assertThatThrownBy(() -> store.putKey(key("aaaaaaaaaa", 11))).isInstanceOf(StoreException.class);
    assertThat(store.keys()).hasSize(1);
  }

  @Test
  void revokingKeepsTheFirstRevocationTime() {
    store.putKey(key("aaaaaaaaaa", 10));
    assertThat(store.revokeKey("aaaaaaaaaa", 100)).isTrue();
    assertThat(store.revokeKey("aaaaaaaaaa", 200)).isTrue();
    assertThat(store.revokeKey("zzzzzzzzzz", 200)).isFalse();
    store = reopenedStore();
    assertThat(store.keys().getFirst().revokedAt()).isEqualTo(100);
  }

  @Test
  void touchingNeverMovesLastUseBack() {
    store.putKey(key("aaaaaaaaaa", 10));
    store.touchKeys(Map.of("aaaaaaaaaa", 500L, "unknown000", 600L));
    store.touchKeys(Map.of("aaaaaaaaaa", 400L));
    store = reopenedStore();
    assertThat(store.keys()).singleElement().extracting(KeyRecord::lastUsedAt).isEqualTo(500L);
  }

  @Test
  void aDeliveryGoesFromWaitingToPendingToDeliveredWithItsAttempts() {
    DeliveryRecord d = DeliveryRecord.waiting("j1.t", "evt-1", "https://hooks.example.com/x", "s".repeat(16), 5);
    store.putDelivery(d);
    assertThat(store.openDeliveries()).containsExactly(d);

    DeliveryRecord ended = d.ended("{\"id\":\"evt-1\"}", 50);
    store.updateDelivery(ended);
    DeliveryRecord failed = ended.attempted(DeliveryState.PENDING, 1050, "HTTP 500", 50);
    store.recordDeliveryAttempt(failed, new DeliveryAttemptRecord("j1.t", 1, 50, "failed", "HTTP 500"));
    store = reopenedStore();
    assertThat(store.openDeliveries()).containsExactly(failed);
    assertThat(store.delivery("j1.t")).contains(failed);

    DeliveryRecord delivered = failed.attempted(DeliveryState.DELIVERED, 0, null, 1050);
    store.recordDeliveryAttempt(delivered, new DeliveryAttemptRecord("j1.t", 2, 1050, "delivered", "HTTP 204"));
    assertThat(store.openDeliveries()).isEmpty();
    assertThat(store.delivery("j1.t")).hasValueSatisfying(r -> {
      assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.finishedAt()).isEqualTo(1050);
      assertThat(r.payload()).isEqualTo("{\"id\":\"evt-1\"}");
    });
    assertThat(store.deliveryAttempts("j1.t")).extracting(DeliveryAttemptRecord::outcome)
        .containsExactly("failed", "delivered");
  }

  @Test
  void aSecondDeliveryForOneTaskAndAnUpdateOfNoneAreRefused() {
    DeliveryRecord d = DeliveryRecord.waiting("j1.t", "evt-1", "https://hooks.example.com/x", "s".repeat(16), 5);
    store.putDelivery(d);
    assertThatThrownBy(() -> store.putDelivery(d)).isInstanceOf(StoreException.class);
    DeliveryRecord other = DeliveryRecord.waiting("j2.t", "evt-2", "https://hooks.example.com/x", "s".repeat(16), 5);
    assertThatThrownBy(() -> store.updateDelivery(other.ended("{}", 6))).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> store.recordDeliveryAttempt(
            other.ended("{}", 6).attempted(DeliveryState.DELIVERED, 0, null, 7),
            new DeliveryAttemptRecord("j2.t", 1, 7, "delivered", "HTTP 200")))
        .isInstanceOf(StoreException.class);
    assertThat(store.deliveryAttempts("j2.t")).isEmpty();
  }

  @Test
  void subscriptionsKeepTheirCursorAndStateAcrossAReopen() {
    SubscriptionRecord a =
        new SubscriptionRecord("ws_a", "https://hooks.example.com/a", "s".repeat(16), "{\"types\":[]}", 7, true, 0, null, 5, 0);
    SubscriptionRecord b =
        new SubscriptionRecord("ws_b", "https://hooks.example.com/b", "t".repeat(16), "{}", 0, true, 0, null, 6, 0);
    store.putSubscription(a);
    store.putSubscription(b);
    assertThatThrownBy(() -> store.putSubscription(a)).isInstanceOf(StoreException.class);
    assertThat(store.updateSubscription(a.delivered(42, 9))).isTrue();
    assertThat(store.updateSubscription(b.failed("HTTP 500", false).failed("refused: private address", true))).isTrue();
    store = reopenedStore();
    assertThat(store.subscriptions()).extracting(SubscriptionRecord::id).containsExactly("ws_a", "ws_b");
    assertThat(store.subscriptions().get(0)).isEqualTo(a.delivered(42, 9));
    SubscriptionRecord failed = store.subscriptions().get(1);
    assertThat(failed.active()).isFalse();
    assertThat(failed.failures()).isEqualTo(2);
    assertThat(failed.lastError()).isEqualTo("refused: private address");
    assertThat(failed.secret()).isEqualTo("t".repeat(16));
    assertThat(store.deleteSubscription("ws_a")).isTrue();
    assertThat(store.deleteSubscription("ws_a")).isFalse();
    assertThat(store.updateSubscription(a)).isFalse();
    assertThat(store.subscriptions()).extracting(SubscriptionRecord::id).containsExactly("ws_b");
  }

  private ClientStore reopenedStore() {
    ClientStore again = reopen();
    if (again != store) {
      store.close();
    }
    return again;
  }
}
