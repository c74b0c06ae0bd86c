package dev.shoal.cli.it;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/** Test matrices and the local product they are checked against. */
final class Matrices {
  private Matrices() {}

  static Tensor random(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n * n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return Tensor.float32(Shape.of(n, n), v);
  }

  static Tensor product(Tensor a, Tensor b) {
    return OperatorRegistry.standard()
        .require(OperatorId.parse("tensor.matmul@1"))
        .apply(List.of(a, b), Attributes.empty())
        .getFirst();
  }
}
