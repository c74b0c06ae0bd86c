package dev.shoal.worker;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Operators for tests, registered beside the standard ones through the worker's config. */
final class TestOperators {

  private TestOperators() {}

  /** Every standard operator plus {@code extra}. */
  static OperatorRegistry standardPlus(Operator... extra) {
    List<Operator> all = new ArrayList<>();
    for (OperatorId id : OperatorRegistry.standard().ids()) {
      all.add(OperatorRegistry.standard().require(id));
    }
    all.addAll(List.of(extra));
    return OperatorRegistry.of(all.toArray(Operator[]::new));
  }

  /**
   * {@code test.gate@1}: returns its inputs unchanged, but only once {@link #open()} is called.
   * Counts how often it ran and how often it was interrupted while waiting.
   */
  static final class Gate implements Operator {
    private final CountDownLatch gate = new CountDownLatch(1);
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger interrupted = new AtomicInteger();

    @Override
    public OperatorId id() {
      return OperatorId.parse("test.gate@1");
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      return inputs;
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      started.incrementAndGet();
      try {
        gate.await();
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("test.gate@1 interrupted", e);
      }
      return inputs;
    }

    void open() {
      gate.countDown();
    }
  }

  /** {@code test.boom@1}: throws what the supplier makes, always. */
  static final class Boom implements Operator {
    private final Supplier<? extends Throwable> error;

    Boom(Supplier<? extends Throwable> error) {
      this.error = error;
    }

    @Override
    public OperatorId id() {
      return OperatorId.parse("test.boom@1");
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      return List.of();
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      Throwable t = error.get();
      if (t instanceof RuntimeException r) {
        throw r;
      }
      throw (Error) t;
    }
  }
}
