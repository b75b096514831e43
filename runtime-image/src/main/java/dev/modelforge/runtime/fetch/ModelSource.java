package dev.modelforge.runtime.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Where a model's files come from: a hub repository, a URL or a mounted folder. */
public interface ModelSource {

  /** The files to fetch, without the ones a served model does not need. */
  List<RemoteFile> list() throws IOException;

  /**
   * The file's bytes from {@code offset} on (an HTTP Range request), or from 0 when the source
   * cannot start there; the caller closes the stream. A failure that may pass is a {@link
   * RetryableFetchException}.
   */
  default Opened open(RemoteFile file, long offset) throws IOException {
    return open(file, offset, -1);
  }

  /**
   * The file's bytes from {@code offset} up to {@code end} (exclusive; -1 for the end of the file),
   * as {@link #open(RemoteFile, long)} says; a source may send more than asked (the caller stops at
   * {@code end}) or, for a bounded range, all of the file from 0.
   */
  Opened open(RemoteFile file, long offset, long end) throws IOException;

  /**
   * Whether the source answers bounded range requests, so that a large file can be fetched over
   * several connections at once.
   */
  default boolean ranges() {
    return false;
  }

  /**
   * An open file.
   *
   * @param body the bytes from {@code offset} on
   * @param offset where they start: the offset asked for, or 0 when the source sent it all
   */
  record Opened(InputStream body, long offset) {}

  /** For messages: the source as the user wrote it. */
  String describe();
}
