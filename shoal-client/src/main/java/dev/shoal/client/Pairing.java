package dev.shoal.client;

/**
 * A worker bound to its fleet owner, signed by both (API.md "Fleets"): the worker by naming
 * {@code owner} in its signed descriptor (at {@code workerSignedAt}), the owner with its
 * principal key (at {@code ownerSignedAt}). Times are epoch ms. What a paired worker earns goes
 * to its owner.
 */
public record Pairing(String worker, String owner, long workerSignedAt, long ownerSignedAt, long createdAt) {}
