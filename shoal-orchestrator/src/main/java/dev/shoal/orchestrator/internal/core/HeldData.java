package dev.shoal.orchestrator.internal.core;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a worker probably still holds in its data cache: the stored inputs sent to it lately,
 * least recently used first out, within the cache's size. A guess (the worker's own cache decides),
 * but a cheap one that lets the scheduler send a task where its inputs already are. Confined to
 * the core's thread.
 */
final class HeldData {

  /** The workers' default cache size: a guess past it would only mislead. */
  static final long DEFAULT_BYTES = 256L << 20;

  private final long capacity;
  private final LinkedHashMap<String, Long> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  HeldData(long capacity) {
    this.capacity = capacity;
  }

  /** The worker was sent {@code key}, {@code size} bytes. */
  void sent(String key, long size) {
    Long before = entries.put(key, size);
    bytes += size - (before == null ? 0 : before);
    for (Iterator<Map.Entry<String, Long>> it = entries.entrySet().iterator(); bytes > capacity && it.hasNext(); ) {
      bytes -= it.next().getValue();
      it.remove();
    }
  }

  /** Bytes of {@code key} the worker holds: its size if it was sent lately, else 0. */
  long held(String key) {
    Long size = entries.get(key);
    return size == null ? 0 : size;
  }
}
