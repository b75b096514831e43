package dev.modelforge.runtime.serve;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.engine.train.data.ChatRenderer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template (the Jinja string in tokenizer_config.json) rendered with Jinjava, with
 * the variables and helpers Hugging Face provides: {@code messages}, {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, {@code raise_exception}.
 */
public final class ChatTemplate implements ChatRenderer {

  private final String template;
  private final Jinjava jinja;
  private final String bos;
  private final String eos;

  public ChatTemplate(String template, Tokenizer tokenizer) {
    this(template, bosText(tokenizer), eosText(tokenizer));
  }

  /**
   * Hugging Face renders with {@code trim_blocks}, {@code lstrip_blocks} and without the trailing
   * newline; an expression's "{{-" trims like a tag's "{%-". Two Python-isms Jinjava does not parse
   * are rewritten first: {@code x[::-1]} becomes {@code x|reverse}, and named arguments of {@code
   * namespace(...)} are parenthesised so a filter in them binds to the value.
   */
  ChatTemplate(String template, String bos, String eos) {
    String t = template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
    this.template = wrapNamespaceArguments(t.replace("[::-1]", "|reverse"));
    this.jinja =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withElResolver(PyStringResolver.withDefaults())
                .withLegacyOverrides(
                    LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .build())
                .build());
    jinja
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raise", String.class));
    this.bos = bos;
    this.eos = eos;
  }

  private static String bosText(Tokenizer tokenizer) {
    return tokenizer.bosTokenId().stream().mapToObj(tokenizer::tokenText).findFirst().orElse("");
  }

  private static String eosText(Tokenizer tokenizer) {
    int[] eosIds = tokenizer.eosTokenIds();
    return eosIds.length > 0 ? tokenizer.tokenText(eosIds[0]) : "";
  }

  static String wrapNamespaceArguments(String t) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (true) {
      int call = t.indexOf("namespace(", i);
      if (call < 0) {
        return out.append(t.substring(i)).toString();
      }
      int start = call + "namespace(".length();
      out.append(t, i, start);
      List<String> args = new ArrayList<>();
      int depth = 0;
      int argStart = start;
      int j = start;
      for (; j < t.length(); j++) {
        char c = t.charAt(j);
        if (c == '(' || c == '[' || c == '{') {
          depth++;
        } else if (c == ')' || c == ']' || c == '}') {
          if (depth == 0) {
            break;
          }
          depth--;
        } else if (c == ',' && depth == 0) {
          args.add(t.substring(argStart, j));
          argStart = j + 1;
        }
      }
      args.add(t.substring(argStart, j));
      List<String> wrapped = new ArrayList<>();
      for (String arg : args) {
        int eq = arg.indexOf('=');
        boolean named =
            eq > 0
                && arg.substring(0, eq).trim().matches("[A-Za-z_][A-Za-z0-9_]*")
                && (eq + 1 >= arg.length() || arg.charAt(eq + 1) != '=');
        wrapped.add(named ? arg.substring(0, eq + 1) + "(" + arg.substring(eq + 1) + ")" : arg);
      }
      out.append(String.join(",", wrapped));
      i = j;
    }
  }

  /** Used by templates to reject conversations they cannot format. */
  public static String raise(String message) {
    throw new IllegalArgumentException("the chat template refused the messages: " + message);
  }

  /** The template's text as the model ships it (after the rewrites above). */
  String source() {
    return template;
  }

  /** Renders {@code messages} (maps with role and content) into the prompt text. */
  @Override
  public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders with more variables, as Hugging Face's {@code apply_chat_template} takes them: {@code
   * tools}, and a request's {@code chat_template_kwargs} such as Qwen3's {@code enable_thinking}.
   */
  String render(
      List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
    List<Map<String, Object>> pyMessages = new ArrayList<>();
    for (Map<String, Object> m : messages) {
      Map<String, Object> copy = new HashMap<>(m);
      copy.replaceAll((k, v) -> v instanceof String s && !k.equals("role") ? new PyString(s) : v);
      pyMessages.add(copy);
    }
    Map<String, Object> vars = new HashMap<>(extra);
    vars.put("messages", pyMessages);
    vars.put("add_generation_prompt", addGenerationPrompt);
    vars.put("bos_token", bos);
    vars.put("eos_token", eos);
    RenderResult result = jinja.renderForResult(template, vars);
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException("the chat template failed: " + reason(e));
      }
    }
    return result.getOutput();
  }

  /** The template's own words when it called raise_exception, else Jinjava's message. */
  private static String reason(TemplateError e) {
    for (Throwable t = e.getException(); t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException
          && t.getMessage() != null
          && t.getMessage().startsWith("the chat template refused")) {
        return t.getMessage();
      }
    }
    return e.getMessage();
  }
}
