/**
 * The Shoal worker: {@link dev.shoal.worker.Worker} dials an orchestrator, advertises what this
 * machine can run and executes the attempts it is sent; {@link dev.shoal.worker.WorkerConfig}
 * says how. Everything under {@code dev.shoal.worker.internal} may change without notice.
 */
package dev.shoal.worker;
