package dev.shoal.client;

/**
 * A principal's credits (API.md "Credits"): {@code balance} is what a client can still spend,
 * {@code held} what its published tasks hold in escrow until they end (paid out or refunded),
 * {@code earned} what the workers of a fleet owner were paid for accepted results.
 */
public record CreditBalance(String principal, long balance, long held, long earned) {}
