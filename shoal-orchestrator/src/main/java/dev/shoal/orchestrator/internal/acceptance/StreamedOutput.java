package dev.shoal.orchestrator.internal.acceptance;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;

/**
 * What an attempt streamed before its result, kept so the result can be held to it: the text
 * channel ({@code tokens} or {@code stdout}) up to a cap, and whether a chunk went missing.
 * Confined to the core's thread.
 */
public final class StreamedOutput {

  /** Past this many bytes the stream is not kept and not compared. */
  public static final int MAX_KEPT_BYTES = 16 << 20;

  private final ByteArrayOutputStream text = new ByteArrayOutputStream();
  private long nextSeq;
  private boolean gap;
  private boolean overflow;

  /** Records one chunk; chunks must come in sequence from 0. */
  public void append(long seq, String channel, ByteString data) {
    if (seq != nextSeq) {
      gap = true;
    }
    nextSeq = seq + 1;
    if (!channel.equals("tokens") && !channel.equals("stdout")) {
      return;
    }
    if (text.size() + (long) data.size() > MAX_KEPT_BYTES) {
      overflow = true;
      return;
    }
    text.writeBytes(data.toByteArray());
  }

  /** Whether every chunk arrived in order and was kept, so the stream can be compared. */
  public boolean comparable() {
    return !gap && !overflow;
  }

  public boolean hasGap() {
    return gap;
  }

  public byte[] text() {
    return text.toByteArray();
  }

  public boolean isEmpty() {
    return nextSeq == 0;
  }
}
