package dev.shoal.client;

/** A key revoked by {@code keys().revoke}: no request carrying it is answered after {@code revokedAt} (epoch ms). */
public record KeyRevocation(String id, long revokedAt) {}
