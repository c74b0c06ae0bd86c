package dev.shoal.orchestrator.internal.principals;

import dev.shoal.orchestrator.internal.core.Actor;
import dev.shoal.orchestrator.internal.core.ChangeRefused;
import dev.shoal.orchestrator.internal.core.Journal;
import dev.shoal.orchestrator.internal.events.EventTypes;
import dev.shoal.orchestrator.internal.store.DelegationRecord;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.PairingRecord;
import dev.shoal.protocol.PairingProofs;
import dev.shoal.orchestrator.internal.store.PrincipalRecord;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import dev.shoal.orchestrator.internal.time.Clock;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.PrincipalProofs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clients and fleet owners this orchestrator knows, and whom each has authorised to act for
 * it. Changes go through the core's {@link Journal}, so each is durable before it is answered and
 * its event takes its place in the one event sequence; they are applied to the maps inside the
 * journal's order, so readers on any thread (every request's authority check) see a change as
 * soon as the core made it. Thread-safe.
 */
public final class Directory {

  /** A principal's label. */
  public static final int MAX_NAME = 128;
  public static final int MAX_DELEGATES_PER_PRINCIPAL = 256;


  private final Journal journal;
  private final Clock clock;
  private final Map<String, PrincipalRecord> principals = new ConcurrentHashMap<>();
  /** Principal id, then delegate id. */
  private final Map<String, Map<String, DelegationRecord>> delegations = new ConcurrentHashMap<>();
  /** Each worker's newest pairing, in force or ended. */
  private final Map<String, PairingRecord> pairings = new ConcurrentHashMap<>();
  /** The owner each worker's latest signed descriptor named, and when it was signed: its consent. */
  private final Map<String, Consent> consents = new ConcurrentHashMap<>();

  private record Consent(String owner, long signedAt) {}

  /** Loads what {@code store} holds; later changes go through {@code journal}. */
  public Directory(StateStore store, Journal journal, Clock clock) {
    this.journal = journal;
    this.clock = clock;
    store.principals().forEach(p -> principals.put(p.id(), p));
    store.delegations().forEach(d -> delegations.computeIfAbsent(d.principal(), k -> new ConcurrentHashMap<>()).put(d.delegate(), d));
    store.pairings().forEach(p -> pairings.put(p.worker(), p));
  }

  /** No principals, and none can be added: an API without a core behind it (tests, embedded use). */
  public static Directory empty(Clock clock) {
    return new Directory(new dev.shoal.orchestrator.internal.store.MemoryStore(), Journal.REFUSING, clock);
  }

  public Optional<PrincipalRecord> principal(String id) {
    return Optional.ofNullable(principals.get(id));
  }

  public Optional<PrincipalKind> kindOf(String id) {
    PrincipalRecord p = principals.get(id);
    return p == null ? Optional.empty() : Optional.of(PrincipalKind.fromWire(p.kind()));
  }

  /** Whether {@code d} is in force now. */
  public boolean inForce(DelegationRecord d) {
    return d.inForce(clock.millis());
  }

  /** Every principal, oldest first. */
  public List<PrincipalRecord> principals() {
    return principals.values().stream()
        .sorted(Comparator.comparingLong(PrincipalRecord::createdAt).thenComparing(PrincipalRecord::id))
        .toList();
  }

  /** What {@code principal} granted {@code delegate}, revoked or expired ones included. */
  public Optional<DelegationRecord> delegation(String principal, String delegate) {
    Map<String, DelegationRecord> of = delegations.get(principal);
    return of == null ? Optional.empty() : Optional.ofNullable(of.get(delegate));
  }

  /** Every delegation {@code principal} made, oldest first. */
  public List<DelegationRecord> delegationsOf(String principal) {
    Map<String, DelegationRecord> of = delegations.get(principal);
    return of == null
        ? List.of()
        : of.values().stream().sorted(Comparator.comparingLong(DelegationRecord::createdAt).thenComparing(DelegationRecord::delegate)).toList();
  }

  /**
   * Registers a client or fleet owner whose key signed {@code proof} at {@code signedAt}.
   *
   * @throws IllegalArgumentException for a bad name, key or proof (nothing is recorded)
   */
  public CompletableFuture<PrincipalRecord> register(
      PrincipalKind kind, String name, byte[] publicKey, long signedAt, byte[] proof, Actor by) {
    if (name == null || name.isBlank() || name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("name must be 1 to " + MAX_NAME + " characters without control characters");
    }
    if (publicKey == null || publicKey.length != Ed25519.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("public_key must be a raw Ed25519 key of 32 bytes");
    }
    long skew = Math.abs(clock.millis() - signedAt);
    if (skew > PrincipalProofs.MAX_SKEW_MILLIS) {
      throw new IllegalArgumentException(
          "signed_at is " + skew / 1000 + " s from this orchestrator's clock; sign again (at most "
              + PrincipalProofs.MAX_SKEW_MILLIS / 60_000 + " minutes apart)");
    }
    if (proof == null || !PrincipalProofs.verify(publicKey, kind.wireName(), name, signedAt, proof)) {
      throw new IllegalArgumentException("signature does not prove the holder of public_key asked for this " + kind.wireName());
    }
    String id = PeerIds.principalId(publicKey);
    return journal.record(() -> {
      if (principals.containsKey(id)) {
        throw new ChangeRefused("principal " + id + " is already registered", ChangeRefused.Kind.CONFLICT);
      }
      PrincipalRecord r = new PrincipalRecord(id, kind.wireName(), name, publicKey, clock.millis(), by.key());
      principals.put(id, r);
      return new Journal.Entry<>(
          r, List.of(new StoreWrite.PutPrincipal(r)), List.of(event(EventTypes.PRINCIPAL_CREATED, id, kind.wireName() + " " + name, by)));
    });
  }

  /**
   * {@code principal} authorises {@code delegate} for {@code scopes} until {@code expiresAt} (0:
   * no expiry), replacing an earlier grant. Whether the caller may is {@link Authority}'s check.
   *
   * @throws IllegalArgumentException if a scope is not the principal's to grant, the delegate is
   *     itself or unknown, or the expiry has passed
   */
  public CompletableFuture<DelegationRecord> grant(
      String principal, String delegate, Set<DelegateScope> scopes, long expiresAt, Actor by) {
    PrincipalKind kind = kindOf(principal).orElseThrow(() -> new ChangeRefused("no principal " + principal, ChangeRefused.Kind.NOT_FOUND));
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("scopes must not be empty");
    }
    for (DelegateScope s : scopes) {
      if (s.grantor() != kind) {
        throw new IllegalArgumentException(
            "a " + kind.wireName() + " cannot grant '" + s.wireName() + "': it is a " + s.grantor().wireName() + "'s scope");
      }
    }
    if (delegate.equals(principal)) {
      throw new IllegalArgumentException("a principal cannot be its own delegate");
    }
    if (!principals.containsKey(delegate)) {
      throw new ChangeRefused("no principal " + delegate + " to authorise; register it first", ChangeRefused.Kind.NOT_FOUND);
    }
    if (expiresAt != 0 && expiresAt <= clock.millis()) {
      throw new IllegalArgumentException("expires_at is in the past");
    }
    List<String> names = new ArrayList<>();
    EnumSet.copyOf(scopes).forEach(s -> names.add(s.wireName()));
    return journal.record(() -> {
      Map<String, DelegationRecord> of = delegations.computeIfAbsent(principal, k -> new ConcurrentHashMap<>());
      if (!of.containsKey(delegate) && of.size() >= MAX_DELEGATES_PER_PRINCIPAL) {
        throw new ChangeRefused(
            "at most " + MAX_DELEGATES_PER_PRINCIPAL + " delegates per principal; revoke one first", ChangeRefused.Kind.CONFLICT);
      }
      DelegationRecord r = new DelegationRecord(principal, delegate, names, expiresAt, clock.millis(), 0, by.key());
      of.put(delegate, r);
      String detail =
          "delegate=" + delegate + " scopes=" + String.join(",", names) + (expiresAt == 0 ? "" : " expires_at=" + expiresAt);
      return new Journal.Entry<>(
          r, List.of(new StoreWrite.PutDelegation(r)), List.of(event(EventTypes.DELEGATE_SET, principal, detail, by)));
    });
  }

  /** Revokes at once; false when there was nothing in force to revoke. */
  public CompletableFuture<Boolean> revoke(String principal, String delegate, Actor by) {
    return journal.record(() -> {
      DelegationRecord r = delegation(principal, delegate).orElse(null);
      if (r == null || r.revokedAt() != 0) {
        return new Journal.Entry<>(false, List.of(), List.of());
      }
      DelegationRecord revoked = r.revoked(clock.millis(), by.key());
      delegations.get(principal).put(delegate, revoked);
      return new Journal.Entry<>(
          true, List.of(new StoreWrite.PutDelegation(revoked)), List.of(event(EventTypes.DELEGATE_REVOKED, principal, "delegate=" + delegate, by)));
    });
  }

  /** The fleet owner a worker is paired with now, if any. */
  public Optional<String> ownerOf(String worker) {
    PairingRecord p = pairings.get(worker);
    return p != null && p.inForce() ? Optional.of(p.owner()) : Optional.empty();
  }

  /** The worker's newest pairing, in force or ended. */
  public Optional<PairingRecord> pairing(String worker) {
    return Optional.ofNullable(pairings.get(worker));
  }

  /** Pairings in force, of {@code owner} ("" for every owner's). */
  public List<PairingRecord> pairingsOf(String owner) {
    return pairings.values().stream()
        .filter(p -> p.inForce() && (owner.isEmpty() || p.owner().equals(owner)))
        .sorted(Comparator.comparingLong(PairingRecord::createdAt).thenComparing(PairingRecord::worker))
        .toList();
  }

  /**
   * A worker connected with a signed descriptor naming {@code statedOwner}: that is its consent to
   * be paired with it. A worker that now names another owner (or none) ends its pairing: the
   * worker's side of "either side can end it". Called on the core's thread.
   */
  public void workerConnected(String worker, String statedOwner, long signedAt) {
    consents.put(worker, new Consent(statedOwner, signedAt));
    PairingRecord p = pairings.get(worker);
    if (p != null && p.inForce() && !p.owner().equals(statedOwner)) {
      journal.record(() -> endPairing(worker, "worker", Actor.NONE, "the worker no longer names " + p.owner()));
    }
  }

  /**
   * The fleet owner's half of pairing {@code worker} with {@code owner}: its signature at {@code
   * signedAt}. The worker's half must be in hand: its latest signed descriptor names {@code owner}.
   *
   * @throws IllegalArgumentException for a bad or stale signature, or no consent from the worker
   */
  public CompletableFuture<PairingRecord> pair(String worker, String owner, long signedAt, byte[] signature, Actor by) {
    PrincipalRecord o = principal(owner).orElseThrow(() -> new ChangeRefused("no principal " + owner, ChangeRefused.Kind.NOT_FOUND));
    if (!o.kind().equals(PrincipalKind.FLEET_OWNER.wireName())) {
      throw new IllegalArgumentException(owner + " is a " + o.kind() + "; only a fleet owner pairs with workers");
    }
    if (!PeerIds.isWellFormed(worker)) {
      throw new IllegalArgumentException("worker must be a peer id (w…)");
    }
    long skew = Math.abs(clock.millis() - signedAt);
    if (skew > PairingProofs.MAX_SKEW_MILLIS) {
      throw new IllegalArgumentException("signed_at is " + skew / 1000 + " s from this orchestrator's clock; sign again");
    }
    if (signature == null || !PairingProofs.verify(o.publicKey(), worker, owner, signedAt, signature)) {
      throw new IllegalArgumentException("signature is not " + owner + "'s over this pairing");
    }
    return journal.record(() -> {
      Consent c = consents.get(worker);
      if (c == null || !c.owner().equals(owner)) {
        throw new ChangeRefused(
            "worker " + worker + " has not named " + owner + " as its owner: start it with --owner " + owner
                + " (its signed descriptor is its half of the pairing)",
            ChangeRefused.Kind.CONFLICT);
      }
      PairingRecord current = pairings.get(worker);
      if (current != null && current.inForce()) {
        if (current.owner().equals(owner)) {
          return new Journal.Entry<>(current, List.of(), List.of());
        }
        throw new ChangeRefused(
            "worker " + worker + " is paired with " + current.owner() + "; that pairing must end first", ChangeRefused.Kind.CONFLICT);
      }
      PairingRecord r = new PairingRecord(worker, owner, c.signedAt(), signedAt, signature, clock.millis(), 0, "", by.key());
      pairings.put(worker, r);
      return new Journal.Entry<>(
          r, List.of(new StoreWrite.PutPairing(r)), List.of(workerEvent(EventTypes.PAIRING_CREATED, owner, worker, "", by)));
    });
  }

  /** The fleet owner ends its pairing with {@code worker}; false if none was in force. */
  public CompletableFuture<Boolean> unpair(String worker, Actor by) {
    return journal.record(() -> {
      PairingRecord p = pairings.get(worker);
      if (p == null || !p.inForce()) {
        return new Journal.Entry<>(false, List.of(), List.of());
      }
      Journal.Entry<Boolean> ended = endPairing(worker, "owner", by, "");
      return new Journal.Entry<>(true, ended.writes(), ended.events());
    });
  }

  private Journal.Entry<Boolean> endPairing(String worker, String side, Actor by, String detail) {
    PairingRecord p = pairings.get(worker);
    if (p == null || !p.inForce()) {
      return new Journal.Entry<>(false, List.of(), List.of());
    }
    PairingRecord ended = p.ended(clock.millis(), side);
    pairings.put(worker, ended);
    return new Journal.Entry<>(
        true, List.of(new StoreWrite.PutPairing(ended)),
        List.of(workerEvent(EventTypes.PAIRING_ENDED, p.owner(), worker, ("ended by the " + side + " " + detail).strip(), by)));
  }

  private static EventRecord workerEvent(String type, String owner, String worker, String detail, Actor by) {
    return new EventRecord(0, 0, type, "pairing", "", "", 0, worker, "", "", detail, "", owner, by.key());
  }

  private static EventRecord event(String type, String principal, String detail, Actor by) {
    return new EventRecord(0, 0, type, "principal", "", "", 0, "", "", "", detail, "", principal, by.key());
  }
}
