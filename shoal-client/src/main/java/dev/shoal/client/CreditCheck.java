package dev.shoal.client;

/**
 * Whether the credit books balance: every entry moves credits from one account to another, so the
 * balances, the mint's negative one included, sum to zero; {@code total} is that sum, anything
 * but zero a broken ledger.
 */
public record CreditCheck(boolean balanced, long total) {}
