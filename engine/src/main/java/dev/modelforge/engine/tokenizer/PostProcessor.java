package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * tokenizer.json's {@code post_processor}: adds the special tokens that frame a sequence, such as
 * Llama's BOS, when the caller asks for special tokens. Only single sequences are encoded here.
 */
sealed interface PostProcessor {

  int[] process(int[] ids, boolean addSpecialTokens);

  /** The sequence's ids with the template's special tokens around them. */
  record Template(List<int[]> before, List<int[]> after) implements PostProcessor {
    @Override
    public int[] process(int[] ids, boolean addSpecialTokens) {
      if (!addSpecialTokens) {
        return ids;
      }
      TokenIdBuffer out = new TokenIdBuffer(ids.length + 4);
      before.forEach(special -> out.addAll(special, special.length));
      out.addAll(ids, ids.length);
      after.forEach(special -> out.addAll(special, special.length));
      return out.toArray();
    }
  }

  /** Byte-level post-processing only trims offsets, which ids do not carry. */
  record ByteLevel() implements PostProcessor {
    @Override
    public int[] process(int[] ids, boolean addSpecialTokens) {
      return ids;
    }
  }

  record Sequence(List<PostProcessor> steps) implements PostProcessor {
    @Override
    public int[] process(int[] ids, boolean addSpecialTokens) {
      for (PostProcessor step : steps) {
        ids = step.process(ids, addSpecialTokens);
      }
      return ids;
    }
  }

  /** The post-processor described by a tokenizer.json node; null when the node is null. */
  static PostProcessor fromJson(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = JsonFields.text(node, "type", path);
    return switch (type) {
      case "TemplateProcessing" -> template(node, path);
      // BERT and RoBERTa frame a single sequence the same way: [CLS] A [SEP].
      case "RobertaProcessing", "BertProcessing" ->
          new Template(
              List.of(new int[] {specialId(node, "cls", path)}),
              List.of(new int[] {specialId(node, "sep", path)}));
      case "ByteLevel" -> new ByteLevel();
      case "Sequence" -> {
        List<PostProcessor> steps = new ArrayList<>();
        JsonNode list = JsonFields.array(node, "processors", path);
        for (int i = 0; i < list.size(); i++) {
          PostProcessor step = fromJson(list.get(i), path + ".processors[" + i + "]");
          if (step != null) {
            steps.add(step);
          }
        }
        yield new Sequence(List.copyOf(steps));
      }
      default ->
          throw JsonFields.unsupported(
              path,
              type,
              "TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel," + " Sequence");
    };
  }

  /** A [token, id] pair such as "cls": ["<s>", 0]. */
  private static int specialId(JsonNode node, String field, String path) {
    JsonNode pair = JsonFields.array(node, field, path);
    if (pair.size() != 2 || !pair.get(1).isIntegralNumber()) {
      throw new TokenizerException(path + "." + field + " must be [token, id] but is " + pair);
    }
    return pair.get(1).asInt();
  }

  /**
   * The "single" template, e.g. [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}], with
   * each special token's ids looked up in "special_tokens".
   */
  private static Template template(JsonNode node, String path) {
    JsonNode single = JsonFields.array(node, "single", path);
    JsonNode specialTokens = JsonFields.object(node, "special_tokens", path);
    List<int[]> before = new ArrayList<>();
    List<int[]> after = new ArrayList<>();
    boolean sequenceSeen = false;
    for (int i = 0; i < single.size(); i++) {
      String itemPath = path + ".single[" + i + "]";
      JsonNode item = single.get(i);
      if (item.has("Sequence")) {
        String id = JsonFields.text(item.get("Sequence"), "id", itemPath + ".Sequence");
        if (!id.equals("A") || sequenceSeen) {
          throw new TokenizerException(
              itemPath + " places sequence \"" + id + "\"; a single template holds A once");
        }
        sequenceSeen = true;
      } else if (item.has("SpecialToken")) {
        String name = JsonFields.text(item.get("SpecialToken"), "id", itemPath + ".SpecialToken");
        JsonNode special = specialTokens.get(name);
        if (special == null) {
          throw new TokenizerException(
              itemPath + " uses \"" + name + "\", which " + path + ".special_tokens lacks");
        }
        JsonNode ids = JsonFields.array(special, "ids", path + ".special_tokens." + name);
        int[] values = new int[ids.size()];
        for (int k = 0; k < values.length; k++) {
          values[k] = ids.get(k).asInt();
        }
        (sequenceSeen ? after : before).add(values);
      } else {
        throw new TokenizerException(
            itemPath + " must be a Sequence or a SpecialToken but is " + item);
      }
    }
    return new Template(List.copyOf(before), List.copyOf(after));
  }
}
