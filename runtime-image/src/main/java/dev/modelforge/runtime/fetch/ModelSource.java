package dev.modelforge.runtime.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Where a model's files come from: a hub repository, a URL or a mounted folder. */
public interface ModelSource {

  /** The files to fetch, without the ones a served model does not need. */
  List<RemoteFile> list() throws IOException;

  /** The file's bytes; the caller closes the stream. */
  InputStream open(RemoteFile file) throws IOException;

  /** For messages: the source as the user wrote it. */
  String describe();
}
