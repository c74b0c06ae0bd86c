package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskInfo;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Hardware;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misbehaving worker over real Netty against a real orchestrator process: every malformed
 * message is refused with a ProtocolError, the task's state does not move, and the stream stays
 * usable. The worker here is the test itself, so it can send what a real worker never would.
 */
class MalformedMessagesIT {

  @TempDir Path dir;

  @Test
  void malformedMessagesAreRefusedAndChangeNothing() throws Exception {
    try (MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node orch = mesh.orchestrator(null, 0, 0);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", orch.grpcPort()).usePlaintext().build();
      LinkedBlockingQueue<OrchestratorMessage> inbox = new LinkedBlockingQueue<>();
      StreamObserver<WorkerMessage> out =
          WorkerLinkGrpc.newStub(channel)
              .connect(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(OrchestratorMessage m) {
                      if (!m.hasHeartbeat()) {
                        inbox.add(m);
                      }
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      java.security.KeyPair key = Ed25519.generate();
      try (ShoalClient client = ShoalClient.connect(URI.create(orch.url()))) {
        out.onNext(
            WorkerMessage.newBuilder()
                .setHello(
                    Hellos.sign(
                        NodeDescriptor.newBuilder()
                            .setName("scripted")
                            .setHardware(Hardware.newBuilder().setCores(1))
                            .addOperators("tensor.add@1")
                            .setMaxConcurrentTasks(1)
                            .setMaxTaskBytes(1 << 20)
                            .addProtocolVersions(ProtocolVersions.CURRENT),
                        key))
                .build());
        assertThat(next(inbox).hasWelcome()).isTrue();
        String job =
            client.jobs().submitJson(
                "{\"tasks\":[{\"operator\":\"tensor.add@1\",\"inputs\":["
                    + "{\"dtype\":\"float32\",\"shape\":[2],\"values\":[1,2]},"
                    + "{\"dtype\":\"float32\",\"shape\":[2],\"values\":[10,20]}]}]}");
        TaskDescriptor t = next(inbox).getDispatch();
        AttemptRef ref = t.getAttempt();
        String taskId = job + "." + ref.getTaskId();

        List<WorkerMessage> bad =
            List.of(
                WorkerMessage.newBuilder().setAck(TaskAck.newBuilder().setAttempt(ref.toBuilder().setJobId("../etc"))).build(),
                WorkerMessage.newBuilder().setResult(ResultDescriptor.newBuilder().setAttempt(ref).setStatusValue(42)).build(),
                WorkerMessage.newBuilder()
                    .setResult(
                        ResultDescriptor.newBuilder()
                            .setAttempt(ref)
                            .setStatus(ResultStatus.RESULT_STATUS_OK)
                            .addOutputs(
                                Value.newBuilder()
                                    .setTensor(
                                        dev.shoal.protocol.v1.Tensor.newBuilder()
                                            .setDtypeValue(1)
                                            .addShape(2)
                                            .setData(ByteString.copyFrom(new byte[7])))))
                    .build(),
                WorkerMessage.getDefaultInstance());
        for (WorkerMessage m : bad) {
          out.onNext(m);
          OrchestratorMessage reply = next(inbox);
          assertThat(reply.getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_MALFORMED);
          TaskInfo info = client.tasks().status(taskId);
          assertThat(info.state()).isEqualTo("running");
          assertThat(info.attempts()).extracting(TaskInfo.Attempt::state).containsExactly("dispatched");
        }
        // The stream still works: the honest result completes the job.
        out.onNext(
            WorkerMessage.newBuilder()
                .setResult(
                    dev.shoal.protocol.ResultSignatures.sign(
                        ResultDescriptor.newBuilder()
                            .setAttempt(ref)
                            .setStatus(ResultStatus.RESULT_STATUS_OK)
                            .addOutputs(
                                Value.newBuilder()
                                    .setTensor(
                                        dev.shoal.protocol.WireTensors.toWire(
                                            dev.shoal.operators.Tensor.float32(
                                                dev.shoal.operators.Shape.of(2), new float[] {11, 22}))))
                            .build(),
                        key.getPrivate()))
                .build());
        assertThat(next(inbox).getReceipt().getDispositionValue()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.jobs().get(job).succeeded());
      } finally {
        out.onCompleted();
        channel.shutdownNow();
      }
    }
  }

  private static OrchestratorMessage next(LinkedBlockingQueue<OrchestratorMessage> inbox) throws InterruptedException {
    OrchestratorMessage m = inbox.poll(10, TimeUnit.SECONDS);
    assertThat(m).as("a message from the orchestrator").isNotNull();
    return m;
  }
}
