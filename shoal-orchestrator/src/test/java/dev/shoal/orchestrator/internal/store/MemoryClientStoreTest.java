package dev.shoal.orchestrator.internal.store;

/** The contract, in memory. */
class MemoryClientStoreTest extends ClientStoreContract {

  @Override
  protected ClientStore open() {
    return new MemoryClientStore();
  }

  @Override
  protected ClientStore reopen() {
    return store;
  }
}
