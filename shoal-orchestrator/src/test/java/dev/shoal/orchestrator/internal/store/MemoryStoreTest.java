package dev.shoal.orchestrator.internal.store;

/** The contract, for the in-memory backend (which cannot survive a restart). */
class MemoryStoreTest extends StateStoreContract {
  @Override
  protected StateStore open() {
    return new MemoryStore();
  }

  @Override
  protected StateStore reopen() {
    return null;
  }
}
