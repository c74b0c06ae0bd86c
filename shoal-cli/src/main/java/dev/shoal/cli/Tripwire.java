package dev.shoal.cli;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's victim runs the standard operators, but holds its {@code n}-th task of one operator
 * until it is killed, so the demo's crash always lands mid-task. Without it the kill depended on
 * catching a worker between millisecond-long tiles, and a fast run could finish with no one killed.
 * The held task computes nothing wrong: it simply never answers, as a worker that crashes doesn't.
 */
final class Tripwire {

  private final OperatorId held;
  private final int n;
  private final AtomicInteger calls = new AtomicInteger();
  private final CountDownLatch tripped = new CountDownLatch(1);

  Tripwire(OperatorId held, int n) {
    this.held = held;
    this.n = n;
  }

  /** The standard registry with {@code held} wrapped. */
  OperatorRegistry registry() {
    List<Operator> ops = new ArrayList<>();
    for (OperatorId id : OperatorRegistry.standard().ids()) {
      Operator op = OperatorRegistry.standard().require(id);
      ops.add(id.equals(held) ? new Holding(op) : op);
    }
    return OperatorRegistry.of(ops.toArray(Operator[]::new));
  }

  /** True once the victim is holding a task; the caller should kill it now. */
  boolean tripped() {
    return tripped.getCount() == 0;
  }

  private final class Holding implements Operator {
    private final Operator inner;

    Holding(Operator inner) {
      this.inner = inner;
    }

    @Override
    public OperatorId id() {
      return inner.id();
    }

    @Override
    public List<TensorSpec> outputSpecs(List<TensorSpec> inputs, Attributes attributes) {
      return inner.outputSpecs(inputs, attributes);
    }

    @Override
    public List<Tensor> apply(List<Tensor> inputs, Attributes attributes) {
      if (calls.incrementAndGet() == n) {
        tripped.countDown();
        try {
          // The kill interrupts this wait; the bound only keeps a demo that forgot to kill from hanging.
          new CountDownLatch(1).await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new OperatorException(OperatorException.Kind.EXECUTION, held + ": interrupted while held");
        }
      }
      return inner.apply(inputs, attributes);
    }
  }
}
