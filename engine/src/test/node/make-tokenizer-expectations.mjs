// Writes the expected token ids and decoded texts that TokenizerConformanceTest compares the
// engine's tokenizer against. The reference is Hugging Face's own JavaScript implementation
// (@huggingface/transformers), fed the very tokenizer files the tests read, so a difference in
// the Java ids is a bug in the Java tokenizer, not in the data.
//
// Run from this folder:  npm install --ignore-scripts && node make-tokenizer-expectations.mjs
// It reads ../resources/tokenizers/<name>/tokenizer.json.gz (+ tokenizer_config.json.gz) and
// writes ../resources/tokenizers/<name>/expectations.json next to them.

import { PreTrainedTokenizer } from '@huggingface/transformers';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const tokenizersDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'tokenizers');

// Each input exercises one thing tokenizers get wrong; the comment says which.
const inputs = [
  '', // nothing at all: no BOS-only surprises, no crash
  'hello',
  'Hello world',
  ' leading space',
  '   three leading spaces',
  'trailing spaces   ',
  'multiple    spaces   between words', // \s+(?!\S) keeps the last space for the next word
  'tabs\tand\t\ttabs',
  'new\nline\n\nand\n\n\nmore\r\nwindows\rold mac',
  ' \n \t mixed whitespace \n\n  ',
  'non\u00a0breaking\u3000ideographic\u2003em space', // Unicode White_Space, not just ASCII
  '1 12 123 1234 12345 3.14159 1,000,000',
  '12345678901234567890', // digits grouped by 1 or 3 depending on the family
  'The year 2024 has 365 days and 8760 hours; pi≈3.14159265358979',
  'Punctuation!!! Really??? Yes... (maybe) [ok] {fine} <tag> "quoted" \'single\'',
  "I'm, you're, he's, we've, they'll, I'd, can't, won't, DON'T, It'S", // (?i:'s|'t|...)
  'Hello world . It \'s fine , isn\'t it ?', // decode's clean-up of spaces before punctuation
  '你好，世界！这是一个测试。',
  '日本語のテキストとカタカナ、ひらがな。',
  '안녕하세요 세계',
  'I love 🍕 and 🚀! 👍🏽',
  'family: 👨‍👩‍👧‍👦, flags: 🇩🇪🇫🇷, rainbow: 🏳️‍🌈', // ZWJ sequences and regional indicators
  'Café naïve résumé façade Ångström',
  'Cafe\u0301 nai\u0308ve', // combining marks: NFC (Qwen) composes them, others keep them
  'Ελληνικά Русский текст العربية עברית हिन्दी',
  // Whole-vocabulary words that BPE merges would never reach: Llama 3's ignore_merges.
  'Tiếng Việt: nhiều việc hợp lý; Türkçe: değiş, oluştur; Русский: даже практи',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃ ⅷ ꙮ', // rare characters: byte fallback for SentencePiece vocabularies
  '▁ already has the metaspace ▁character',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  'const x = {a: 1, b: [2, 3]};\nconsole.log(`${x.a}`); // done\n\tif (a && b || !c) { x += 0xFF; }',
  '# Title\n\n- item 1\n- item 2\n\n**bold** _it_ `code`',
  'Visit https://example.com/path?q=1&x=2 or mail me@example.org',
  'HELLO World hElLo',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '!!!!!!!!!!!!!!!!!!!!',
  ' ',
  '\n',
  'a',
  '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>',
  '<s>[INST] hi [/INST]</s> <s>again',
  '<|endoftext|>text<|endoftext|> <|endoftext|>',
  '<tool_call>{"name": "x"}</tool_call><think>\nhmm\n</think>',
  '<|im_start|', // an unfinished special token is plain text
];

// A few kilobytes of everything above: long pre-tokens, long runs, tokens across boundaries.
inputs.push(Array.from({ length: 3 }, (_, i) => inputs.slice(1).join(i % 2 ? ' ' : '\n')).join('\n\n'));

function readGzJson(path) {
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8'));
}

function decode(tokenizer, ids, skipSpecialTokens) {
  // transformers.js refuses an empty id list; the decoded text of nothing is "".
  return ids.length === 0 ? '' : tokenizer.decode(ids, { skip_special_tokens: skipSpecialTokens });
}

for (const name of readdirSync(tokenizersDir).sort()) {
  const dir = join(tokenizersDir, name);
  const tokenizer = new PreTrainedTokenizer(
    readGzJson(join(dir, 'tokenizer.json.gz')),
    readGzJson(join(dir, 'tokenizer_config.json.gz')),
  );
  const cases = inputs.map((text) => {
    const ids = tokenizer.encode(text, { add_special_tokens: true });
    const idsWithoutSpecialTokens = tokenizer.encode(text, { add_special_tokens: false });
    return {
      text,
      ids,
      idsWithoutSpecialTokens,
      decoded: decode(tokenizer, ids, false),
      decodedSkippingSpecialTokens: decode(tokenizer, ids, true),
    };
  });
  const expectations = {
    generatedBy: 'engine/src/test/node/make-tokenizer-expectations.mjs with @huggingface/transformers',
    tokenizer: name,
    cases,
  };
  // One case per line keeps the file diffable and small.
  const body = cases.map((c) => '    ' + JSON.stringify(c)).join(',\n');
  const json =
    '{\n' +
    `  "generatedBy": ${JSON.stringify(expectations.generatedBy)},\n` +
    `  "tokenizer": ${JSON.stringify(name)},\n` +
    `  "cases": [\n${body}\n  ]\n}\n`;
  writeFileSync(join(dir, 'expectations.json'), json);
  console.log(`${name}: ${cases.length} cases`);
}
