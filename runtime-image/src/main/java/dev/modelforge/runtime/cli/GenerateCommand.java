package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.generate.BeamSearch;
import dev.modelforge.engine.generate.GeneratedToken;
import dev.modelforge.engine.generate.GenerationResult;
import dev.modelforge.engine.generate.Generator;
import dev.modelforge.engine.generate.OutputConstraint;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.generate.TextStream;
import dev.modelforge.engine.grammar.Grammar;
import dev.modelforge.engine.grammar.GrammarConstraint;
import dev.modelforge.engine.grammar.TokenVocabulary;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.ModelTokenizer;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.TokenDecoder;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code modelforge generate}: a completion from a model directory, for a quick look. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Generate a completion. Text prompts need the model's tokenizer (tokenizer.json, or the",
      "tokenizer metadata of a .gguf file); --prompt-ids works without one. With --json prints one object with prompt_ids, text, tokens (id, text, logprob,",
      "top_logprobs) and finish_reason; logprobs are the log-softmax of the raw logits.",
      "--json-schema, --regex or --grammar constrain the output (sampling and beam search)."
    })
public final class GenerateCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  static final class Prompt {
    @Option(names = "--prompt", description = "Prompt text.")
    String text;

    @Option(names = "--prompt-ids", split = ",", description = "Prompt as token ids: 1,2,3.")
    int[] ids;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Prompt prompt;

  @Mixin SamplingOptions sampling;

  @Option(
      names = "--num-beams",
      defaultValue = "1",
      description = "Beam search with N beams (default 1: off).")
  int numBeams;

  @Option(
      names = "--length-penalty",
      defaultValue = "1.0",
      description = "Beam search length penalty.")
  double lengthPenalty;

  @Option(
      names = "--early-stopping",
      description = "Beam search stops once num-beams hypotheses end.")
  boolean earlyStopping;

  @Option(names = "--no-special", description = "Do not add the tokenizer's special tokens (BOS).")
  boolean noSpecial;

  @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
  boolean json;

  /** Structured output: at most one of a JSON schema, a regex or a GBNF grammar. */
  static final class Structure {
    @Option(
        names = "--json-schema",
        paramLabel = "FILE",
        description = "The output must be JSON valid against this schema.")
    java.nio.file.Path jsonSchema;

    @Option(names = "--regex", description = "The output must match this regular expression.")
    String regex;

    @Option(
        names = "--grammar",
        paramLabel = "FILE",
        description = "The output must be a sentence of this GBNF grammar (root rule: root).")
    java.nio.file.Path grammar;

    String gbnf() throws java.io.IOException {
      if (jsonSchema != null) {
        return dev.modelforge.engine.grammar.JsonSchemaGrammar.fromSchema(
            new ObjectMapper().readTree(java.nio.file.Files.readString(jsonSchema)));
      }
      if (regex != null) {
        return dev.modelforge.engine.grammar.RegexGrammar.fromRegex(regex);
      }
      return java.nio.file.Files.readString(grammar);
    }
  }

  @ArgGroup(exclusive = true)
  Structure structure;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (LoadedModel loaded = LoadedModel.open(modelOptions.model, modelOptions.quantizeType());
        Parallel pool = new Parallel(modelOptions.threadCount())) {
      Tokenizer tokenizer = ModelTokenizer.find(modelOptions.model).orElse(null);
      int[] promptIds;
      if (prompt.text != null) {
        if (tokenizer == null) {
          throw new IllegalArgumentException(
              ModelTokenizer.missing(modelOptions.model)
                  + "; pass --prompt-ids instead of --prompt");
        }
        promptIds = tokenizer.encode(prompt.text, !noSpecial);
      } else {
        promptIds = prompt.ids;
      }
      Set<Integer> eos = new HashSet<>();
      if (tokenizer != null) {
        for (int id : tokenizer.eosTokenIds()) {
          eos.add(id);
        }
      }
      SamplingParams params = sampling.toParams();
      OutputConstraint constraint = null;
      if (structure != null) {
        if (tokenizer == null) {
          throw new IllegalArgumentException(
              ModelTokenizer.missing(modelOptions.model)
                  + "; structured output matches the tokens' text");
        }
        constraint =
            new GrammarConstraint(Grammar.parse(structure.gbnf()), TokenVocabulary.of(tokenizer));
      }
      if (numBeams > 1) {
        // a beam ends at the model's end tokens and at the --stop-id ones, as HF's eos_token_id
        // list
        return beamSearch(
            loaded, pool, promptIds, params, params.endIds(eos), tokenizer, out, constraint);
      }
      TextStream text = tokenizer == null ? null : textStream(tokenizer);
      GenerationResult result =
          new Generator(loaded.model(), pool)
              .generate(
                  promptIds,
                  params,
                  eos,
                  text,
                  json
                      ? null
                      : new dev.modelforge.engine.generate.TokenListener() {
                        @Override
                        public boolean onToken(GeneratedToken t) {
                          out.print(tokenizer == null ? t.id() + " " : t.text());
                          out.flush();
                          return true;
                        }

                        @Override
                        public void onTrailingText(String rest) {
                          out.print(rest);
                        }
                      },
                  constraint);
      if (json) {
        out.println(toJson(result));
      } else {
        out.println();
        spec.commandLine()
            .getErr()
            .println("[finish_reason: " + result.finishReason().apiName() + "]");
      }
      return 0;
    }
  }

  private int beamSearch(
      LoadedModel loaded,
      Parallel pool,
      int[] promptIds,
      SamplingParams params,
      Set<Integer> eos,
      Tokenizer tokenizer,
      PrintWriter out,
      OutputConstraint constraint) {
    List<BeamSearch.Hypothesis> hyps =
        new BeamSearch(loaded.model(), pool)
            .search(
                promptIds,
                numBeams,
                params.maxTokens(),
                lengthPenalty,
                earlyStopping,
                eos,
                constraint);
    BeamSearch.Hypothesis best = hyps.getFirst();
    ObjectNode node = new ObjectMapper().createObjectNode();
    ArrayNode p = node.putArray("prompt_ids");
    Arrays.stream(promptIds).forEach(p::add);
    ArrayNode beams = node.putArray("beams");
    for (BeamSearch.Hypothesis h : hyps) {
      ObjectNode b = beams.addObject();
      ArrayNode ids = b.putArray("ids");
      Arrays.stream(h.tokens()).forEach(ids::add);
      if (tokenizer != null) {
        b.put("text", tokenizer.decode(h.tokens(), true));
      }
      b.put("score", h.score());
      b.put("sum_logprobs", h.sumLogprobs());
      b.put("finish_reason", h.stopped() ? "stop" : "length");
    }
    node.put("finish_reason", best.stopped() ? "stop" : "length");
    if (json) {
      out.println(node);
    } else {
      out.println(
          tokenizer == null
              ? Arrays.toString(best.tokens())
              : tokenizer.decode(best.tokens(), true));
    }
    return 0;
  }

  static TextStream textStream(Tokenizer tokenizer) {
    TokenDecoder decoder = tokenizer.newTokenDecoder(true);
    return new TextStream() {
      @Override
      public String accept(int tokenId) {
        return decoder.append(tokenId);
      }

      @Override
      public String flush() {
        return decoder.finish();
      }
    };
  }

  static ObjectNode toJson(GenerationResult result) {
    ObjectNode node = new ObjectMapper().createObjectNode();
    ArrayNode p = node.putArray("prompt_ids");
    Arrays.stream(result.promptIds()).forEach(p::add);
    ArrayNode tokens = node.putArray("tokens");
    for (GeneratedToken t : result.tokens()) {
      ObjectNode tn = tokens.addObject();
      tn.put("id", t.id());
      tn.put("text", t.text());
      tn.put("logprob", t.logprob());
      ArrayNode top = tn.putArray("top_logprobs");
      for (GeneratedToken.TokenLogprob alt : t.topLogprobs()) {
        top.addObject().put("id", alt.id()).put("logprob", alt.logprob());
      }
    }
    node.put("text", result.text());
    node.put("finish_reason", result.finishReason().apiName());
    return node;
  }
}
