package dev.shoal.worker.internal.data;

import dev.shoal.protocol.v1.DataRef;

/**
 * The bytes a DataRef names: which content, which part of it, and the digest those bytes must
 * hash to. Also the cache's key: two refs with equal slices name the same verified bytes, wherever
 * their URLs point and however long those live.
 *
 * @param content the whole content's digest
 * @param partial whether this is a proper part, fetched with a {@code Range} request
 * @param expected what the bytes must hash to: the range's digest for a part, else {@code content}
 */
record Slice(String content, long offset, long length, boolean partial, String expected) {

  /**
   * @throws DataUnavailableException a part without a range digest, which nobody could verify
   */
  static Slice of(DataRef ref) throws DataUnavailableException {
    long size = ref.getSize();
    if (!ref.hasRange() || (ref.getRange().getOffset() == 0 && ref.getRange().getLength() == size)) {
      return new Slice(ref.getDigest(), 0, size, false, ref.getDigest());
    }
    if (ref.getRangeDigest().isEmpty()) {
      throw DataUnavailableException.refused(
          "bytes " + ref.getRange().getOffset() + "+" + ref.getRange().getLength() + " of " + ref.getDigest()
              + " come without a range_digest, so they could not be verified");
    }
    return new Slice(ref.getDigest(), ref.getRange().getOffset(), ref.getRange().getLength(), true, ref.getRangeDigest());
  }

  /** For messages: the content, and the part of it when it is one. */
  String describe() {
    return partial ? content + " bytes " + offset + ".." + (offset + length - 1) : content;
  }
}
