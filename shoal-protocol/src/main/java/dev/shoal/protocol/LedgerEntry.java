package dev.shoal.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entry of the reputation ledger: who ({@code author}, a raw Ed25519 key) said what
 * ({@code kind}, {@code score}, {@code comment}) about which worker ({@code subject}) and when.
 *
 * <p>Two layers keep it honest. The author signs its <em>statement</em> — everything but the
 * chain position — so whoever appends it (the orchestrator) cannot change what the author said.
 * The chain links entries: {@code hash = sha256(u64 seq || prevHash || statement || signature)}
 * and each entry names its predecessor's hash, so removing, inserting or reordering entries
 * breaks every later link. A client rating is signed by the client the same way, before it knows
 * where it will land in the chain.
 *
 * <p>The statement, big-endian, strings UTF-8: {@code author (32 bytes), u32 len, subject, u32
 * len, kind, u64 score (IEEE-754 bits), u32 len, comment, u64 at (epoch ms)}; the signature is
 * Ed25519 over {@code "shoal.v1.ledger\0" || statement}.
 */
public record LedgerEntry(
    long seq,
    byte[] prevHash,
    long at,
    byte[] author,
    String subject,
    String kind,
    double score,
    String comment,
    byte[] signature) {

  public static final int HASH_BYTES = 32;
  public static final int MAX_COMMENT_BYTES = 1024;
  public static final double MAX_SCORE = 10;
  /** The previous hash of the first entry. */
  public static final byte[] GENESIS = new byte[HASH_BYTES];

  private static final byte[] CONTEXT = "shoal.v1.ledger\0".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern KIND = Pattern.compile("[a-z][a-z_]{0,31}");

  public LedgerEntry {
    prevHash = prevHash.clone();
    author = author.clone();
    signature = signature.clone();
  }

  @Override
  public byte[] prevHash() {
    return prevHash.clone();
  }

  @Override
  public byte[] author() {
    return author.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /**
   * A statement signed by {@code author}, not yet placed in the chain ({@code seq} 0, no
   * previous hash): what a client sends as a rating, and what the orchestrator signs for itself.
   */
  public static LedgerEntry sign(KeyPair author, String subject, String kind, double score, String comment, long at) {
    byte[] key = Ed25519.rawPublicKey(author.getPublic());
    LedgerEntry unsigned = new LedgerEntry(0, GENESIS, at, key, subject, kind, score, comment, new byte[0]);
    unsigned.validate();
    byte[] sig = Ed25519.sign(author.getPrivate(), CONTEXT, unsigned.statement());
    return unsigned.withSignature(sig);
  }

  /** This statement placed at {@code seq} after an entry whose hash is {@code prevHash}. */
  public LedgerEntry at(long seq, byte[] prevHash) {
    return new LedgerEntry(seq, prevHash, at, author, subject, kind, score, comment, signature);
  }

  private LedgerEntry withSignature(byte[] sig) {
    return new LedgerEntry(seq, prevHash, at, author, subject, kind, score, comment, sig);
  }

  /**
   * Checks every field's shape, for entries that arrive over the network.
   *
   * @throws IllegalArgumentException naming the first bad field
   */
  public void validate() {
    if (author.length != Ed25519.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("author must be a 32-byte Ed25519 public key, got " + author.length + " bytes");
    }
    if (subject == null || !PeerIds.isWellFormed(subject)) {
      throw new IllegalArgumentException("subject must be a worker's peer id");
    }
    if (kind == null || !KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException("kind must be 1 to 32 of [a-z_], starting with a letter");
    }
    if (!Double.isFinite(score) || Math.abs(score) > MAX_SCORE) {
      throw new IllegalArgumentException("score must be a finite number in [-10, 10], got " + score);
    }
    if (comment == null || comment.getBytes(StandardCharsets.UTF_8).length > MAX_COMMENT_BYTES) {
      throw new IllegalArgumentException("comment must be at most " + MAX_COMMENT_BYTES + " bytes of UTF-8");
    }
    if (at <= 0) {
      throw new IllegalArgumentException("at must be a positive epoch time in milliseconds");
    }
    if (prevHash.length != HASH_BYTES || seq < 0) {
      throw new IllegalArgumentException("an entry needs seq >= 0 and a 32-byte previous hash");
    }
  }

  /** The bytes the author signs: everything but the chain position. */
  public byte[] statement() {
    byte[] s = subject.getBytes(StandardCharsets.UTF_8);
    byte[] k = kind.getBytes(StandardCharsets.UTF_8);
    byte[] c = comment.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(author.length + 4 + s.length + 4 + k.length + 8 + 4 + c.length + 8)
        .put(author)
        .putInt(s.length)
        .put(s)
        .putInt(k.length)
        .put(k)
        .putLong(Double.doubleToLongBits(score))
        .putInt(c.length)
        .put(c)
        .putLong(at)
        .array();
  }

  public boolean signatureValid() {
    return signature.length == Ed25519.SIGNATURE_BYTES && Ed25519.verify(author, CONTEXT, statement(), signature);
  }

  /** {@code sha256(u64 seq || prevHash || statement || signature)}: what the next entry links to. */
  public byte[] hash() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(ByteBuffer.allocate(8).putLong(seq).array());
      sha.update(prevHash);
      sha.update(statement());
      sha.update(signature);
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The outcome of checking a run of the chain. */
  public record ChainCheck(boolean ok, long entries, long firstBadSeq, String reason, byte[] headHash) {}

  /**
   * Checks a run of the chain that starts right after an entry with hash {@code prevHash} at
   * {@code prevSeq} (for the whole chain: {@link #GENESIS} and 0): dense sequence numbers, every
   * link, every signature.
   */
  public static ChainCheck verifyChain(List<LedgerEntry> entries, long prevSeq, byte[] prevHash) {
    long expectedSeq = prevSeq + 1;
    byte[] link = prevHash;
    for (LedgerEntry e : entries) {
      String why = null;
      if (e.seq != expectedSeq) {
        why = "expected seq " + expectedSeq + ", found " + e.seq;
      } else if (!Arrays.equals(e.prevHash, link)) {
        why = "its previous hash does not match the hash of entry " + (e.seq - 1);
      } else if (!e.signatureValid()) {
        why = "its author's signature does not verify";
      }
      if (why != null) {
        return new ChainCheck(false, expectedSeq - prevSeq - 1, e.seq, "entry " + e.seq + ": " + why, link);
      }
      link = e.hash();
      expectedSeq++;
    }
    return new ChainCheck(true, entries.size(), 0, "", link);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LedgerEntry e
        && seq == e.seq
        && at == e.at
        && Double.compare(score, e.score) == 0
        && Arrays.equals(prevHash, e.prevHash)
        && Arrays.equals(author, e.author)
        && Objects.equals(subject, e.subject)
        && Objects.equals(kind, e.kind)
        && Objects.equals(comment, e.comment)
        && Arrays.equals(signature, e.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(seq, at, score, subject, kind, comment, Arrays.hashCode(author), Arrays.hashCode(signature));
  }

  @Override
  public String toString() {
    return "LedgerEntry[seq=" + seq + ", at=" + at + ", subject=" + subject + ", kind=" + kind + ", score=" + score + "]";
  }
}
