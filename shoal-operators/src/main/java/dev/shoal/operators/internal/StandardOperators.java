package dev.shoal.operators.internal;

import dev.shoal.operators.Operator;
import java.util.List;

/** Operator set v1: what {@link dev.shoal.operators.OperatorRegistry#standard()} holds. */
public final class StandardOperators {

  // Operators are stateless, so one instance of each serves every caller.
  private static final List<Operator> ALL =
      List.of(
          new Noop(),
          new Matmul(),
          new ElementwiseBinary(ElementwiseBinary.Op.ADD),
          new ElementwiseBinary(ElementwiseBinary.Op.SUB),
          new ElementwiseBinary(ElementwiseBinary.Op.MUL),
          new ElementwiseBinary(ElementwiseBinary.Op.DIV),
          new ElementwiseBinary(ElementwiseBinary.Op.MAX),
          new ElementwiseBinary(ElementwiseBinary.Op.MIN),
          new Reduce(Reduce.Op.SUM),
          new Reduce(Reduce.Op.MEAN),
          new Reduce(Reduce.Op.MAX),
          new ElementwiseUnary(ElementwiseUnary.Op.RELU),
          new ElementwiseUnary(ElementwiseUnary.Op.TANH),
          new ElementwiseUnary(ElementwiseUnary.Op.SIGMOID),
          new ElementwiseUnary(ElementwiseUnary.Op.EXP),
          new ElementwiseUnary(ElementwiseUnary.Op.LOG),
          new Transpose());

  private StandardOperators() {}

  public static List<Operator> all() {
    return ALL;
  }
}
