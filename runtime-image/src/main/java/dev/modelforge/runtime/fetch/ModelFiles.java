package dev.modelforge.runtime.fetch;

import java.util.List;
import java.util.Locale;

/**
 * Which of a repository's files a served or fine-tuned model needs: the config, tokenizer and
 * safetensors weights; a repository without safetensors may instead have GGUF files. PyTorch
 * pickles, TensorFlow, Flax and ONNX exports are left behind.
 */
final class ModelFiles {

  private ModelFiles() {}

  static boolean wanted(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    if (path.contains("/")) {
      return false; // sub-folders hold other formats (onnx/, original/, ...) in the repos we know
    }
    return name.endsWith(".safetensors")
        || name.equals("model.safetensors.index.json")
        || name.endsWith(".json") && !name.endsWith(".index.json")
        || name.equals("tokenizer.model")
        || name.equals("merges.txt")
        || name.equals("chat_template.jinja")
        || name.equals("license")
        || name.equals("readme.md");
  }

  /** The wanted files, or the GGUF files when the repository has no safetensors weights. */
  static List<RemoteFile> select(List<RemoteFile> all) {
    boolean safetensors = all.stream().anyMatch(f -> f.path().endsWith(".safetensors"));
    if (safetensors) {
      return all.stream().filter(f -> wanted(f.path())).toList();
    }
    List<RemoteFile> gguf = all.stream().filter(f -> f.path().endsWith(".gguf")).toList();
    return gguf.isEmpty() ? all.stream().filter(f -> wanted(f.path())).toList() : gguf;
  }
}
