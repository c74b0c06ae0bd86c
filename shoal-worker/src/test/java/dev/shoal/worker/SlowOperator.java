package dev.shoal.worker;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code test.slow@1}, an operator for tests: it returns its inputs unchanged, but only once the
 * test calls {@link #release()}. It waits on a {@link CountDownLatch} and honours interruption
 * (a timeout, a cancel, a drain hand-back or a shutdown) by failing at once, unless it was made
 * {@linkplain #ignoringInterrupts() deaf to interrupts}. Counts how often it started, was
 * interrupted and finished.
 */
final class SlowOperator implements Operator {

  static final String ID = "test.slow@1";

  private final CountDownLatch latch = new CountDownLatch(1);
  final AtomicInteger started = new AtomicInteger();
  final AtomicInteger interrupted = new AtomicInteger();
  final AtomicInteger completed = new AtomicInteger();
  private final boolean ignoresInterrupts;

  SlowOperator() {
    this(false);
  }

  private SlowOperator(boolean ignoresInterrupts) {
    this.ignoresInterrupts = ignoresInterrupts;
  }

  /** A straggler: it notes an interrupt but keeps waiting for {@link #release()}. */
  static SlowOperator ignoringInterrupts() {
    return new SlowOperator(true);
  }

  @Override
  public OperatorId id() {
    return OperatorId.parse(ID);
  }

  @Override
  public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
    return List.copyOf(inputs);
  }

  @Override
  public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
    started.incrementAndGet();
    boolean wasInterrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        if (!ignoresInterrupts) {
          Thread.currentThread().interrupt();
          throw new OperatorException(OperatorException.Kind.EXECUTION, ID + ": interrupted");
        }
        wasInterrupted = true;
      }
    }
    if (wasInterrupted) {
      Thread.currentThread().interrupt();
    }
    completed.incrementAndGet();
    return List.copyOf(inputs);
  }

  /** Lets every waiting and future run finish. */
  void release() {
    latch.countDown();
  }

  /** This operator plus every standard one. */
  OperatorRegistry withStandard() {
    List<Operator> all = new ArrayList<>();
    for (OperatorId id : OperatorRegistry.standard().ids()) {
      all.add(OperatorRegistry.standard().require(id));
    }
    all.add(this);
    return OperatorRegistry.of(all.toArray(Operator[]::new));
  }
}
