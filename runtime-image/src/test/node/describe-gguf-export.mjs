// Reads the GGUF file that ExportCommandGgufReaderTest exports (a tiny Llama with a SentencePiece
// style tokenizer, Q8_0) with Hugging Face's independent parser, @huggingface/gguf, and writes what
// it found: every metadata key with its GGUF type and value (arrays as type, length and first
// elements) and every tensor's name, dims and ggml type. The test compares its own export against it.
// Run, from the repository root: ./mvnw -pl runtime-image -am test -Dtest=ExportCommandGgufReaderTest
// -Dsurefire.failIfNoSpecifiedTests=false (it writes runtime-image/target/gguf-conformance/tiny.gguf),
// then here: npm install --ignore-scripts && node describe-gguf-export.mjs
import { gguf } from "@huggingface/gguf";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ggufVersion = JSON.parse(readFileSync(new URL("node_modules/@huggingface/gguf/package.json", import.meta.url), "utf8")).version;
const file = fileURLToPath(new URL("../../../target/gguf-conformance/tiny.gguf", import.meta.url));
const out = new URL("../resources/gguf/tiny-export.json", import.meta.url);
const HEAD = 8;

const plain = (v) => (typeof v === "bigint" ? Number(v) : v);
const { typedMetadata, tensorInfos } = await gguf(file, { allowLocalFile: true, typedMetadata: true });

const header = {};
const metadata = {};
for (const [key, entry] of Object.entries(typedMetadata)) {
  if (key === "version" || key === "tensor_count" || key === "kv_count") {
    header[key] = plain(entry.value);
  } else if (Array.isArray(entry.value)) {
    metadata[key] = { type: entry.type, subType: entry.subType, length: entry.value.length, head: entry.value.slice(0, HEAD).map(plain) };
  } else {
    metadata[key] = { type: entry.type, value: plain(entry.value) };
  }
}
const tensors = tensorInfos.map((t) => ({ name: t.name, dims: t.shape.map(plain), ggmlType: t.dtype }));

const lines = [
  "{",
  `  "generatedBy": "runtime-image/src/test/node/describe-gguf-export.mjs with @huggingface/gguf ${ggufVersion}",`,
  `  "header": ${JSON.stringify(header)},`,
  `  "metadata": {`,
  Object.entries(metadata).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n"),
  "  },",
  `  "tensors": [`,
  tensors.map((t) => `    ${JSON.stringify(t)}`).join(",\n"),
  "  ]",
  "}",
];
writeFileSync(out, lines.join("\n") + "\n");
console.log(`wrote ${fileURLToPath(out)}: ${Object.keys(metadata).length} keys, ${tensors.length} tensors`);
