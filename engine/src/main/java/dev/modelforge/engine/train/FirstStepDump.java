package dev.modelforge.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import dev.modelforge.engine.train.data.MicroBatch;
import dev.modelforge.engine.train.layers.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the first optimizer step of a run saw, written so another framework can redo the step and
 * compare: {@code step-1.safetensors} holds every trainable parameter's value before the update
 * ({@code value.<name>}) and its gradient before clipping ({@code grad.<name>}), under Hugging Face
 * names and in the stored layout; {@code step-1.json} holds the loss (mean over target tokens), the
 * global gradient norm, the learning rate the step used, and each micro-batch's inputs and targets
 * (-1: not learned), row-major [batch, seqLen].
 */
final class FirstStepDump {

  private FirstStepDump() {}

  static void write(
      Path dir,
      List<MicroBatch> micro,
      double loss,
      double gradientNorm,
      double learningRate,
      List<Parameter> trainable) {
    try {
      Files.createDirectories(dir);
      SafetensorsWriter tensors = new SafetensorsWriter();
      for (Parameter p : trainable) {
        tensors.addF32("value." + p.name(), p.storedShape(), p.storedValues().clone());
        tensors.addF32("grad." + p.name(), p.storedShape(), p.storedGradient());
      }
      tensors.write(dir.resolve("step-1.safetensors"));
      ObjectMapper json = new ObjectMapper();
      ObjectNode out = json.createObjectNode();
      out.put("loss", loss);
      out.put("grad_norm", gradientNorm);
      out.put("learning_rate", learningRate);
      ArrayNode batches = out.putArray("micro_batches");
      for (MicroBatch mb : micro) {
        ObjectNode b = batches.addObject();
        b.put("batch", mb.batch());
        b.put("seq_len", mb.seqLen());
        b.set("inputs", json.valueToTree(mb.inputs()));
        b.set("targets", json.valueToTree(mb.targets()));
      }
      json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("step-1.json").toFile(), out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the first step to " + dir, e);
    }
  }
}
