// The official openai npm client against `modelforge serve`: a smoke test of the API's shapes as
// the Node SDK parses them. Run by OpenAiNodeClientTest with OPENAI_BASE_URL and NODE_PATH set.
const assert = require("node:assert/strict");
const OpenAI = require("openai");

const model = process.env.MODELFORGE_MODEL || "tiny";
const client = new OpenAI({ maxRetries: 0, timeout: 120000 });

const person = {
  type: "object",
  properties: { name: { type: "string", maxLength: 8 }, age: { type: "integer" } },
  required: ["name", "age"],
  additionalProperties: false,
};

async function main() {
  let checks = 0;
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes(model), `models: ${ids}`);
  checks++;

  const done = await client.chat.completions.create({
    model,
    messages: [{ role: "user", content: "A person?" }],
    max_tokens: 200,
    seed: 4,
    response_format: { type: "json_schema", json_schema: { name: "person", schema: person } },
  });
  const value = JSON.parse(done.choices[0].message.content);
  assert.equal(typeof value.name, "string");
  assert.ok(Number.isInteger(value.age));
  assert.equal(done.choices[0].finish_reason, "stop");
  checks++;

  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: "user", content: "Pick." }],
    max_tokens: 10,
    stream: true,
    guided_choice: ["north", "south"],
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content || "";
  assert.ok(["north", "south"].includes(text), `streamed choice: ${text}`);
  checks++;

  // ignore_eos (a vLLM field the SDK passes through): a random model may end a choice early
  const completion = await client.completions.create({
    model,
    prompt: "Hi",
    max_tokens: 3,
    n: 2,
    seed: 5,
    ignore_eos: true,
  });
  assert.equal(completion.choices.length, 2);
  assert.equal(completion.usage.completion_tokens, 6);
  checks++;

  const embeddings = await client.embeddings.create({ model, input: ["one", "two"] });
  assert.equal(embeddings.data.length, 2);
  const norm = Math.sqrt(embeddings.data[0].embedding.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
  checks++;

  await assert.rejects(
    client.completions.create({ model: "no-such-model", prompt: "x", max_tokens: 1 }),
    (e) => e instanceof OpenAI.NotFoundError && /does not exist/.test(e.message),
  );
  checks++;

  console.log(`smoke ok: ${checks} checks`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
