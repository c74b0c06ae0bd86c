package dev.shoal.client;

/**
 * Artifacts could not be saved: an archive that is corrupt, holds a name that could leave the
 * target folder, a link, too many entries or too many bytes, or a local write that failed
 * ({@code artifact_invalid}, no status). Nothing of a refused archive is left on disk.
 */
public class ArtifactException extends ShoalException {
  public ArtifactException(String message, Throwable cause) {
    super("artifact_invalid", 0, message, false, null, cause);
  }
}
