// Throughput of the WebAssembly validator under Node, for comparison with the native figure of
// `cargo xtask bench`. Prints figures; asserts nothing.
//
//   node crates/ferry-wasm/bench/throughput.mjs PKG_DIR BATCH_FILE [NOW_MILLIS]
//
// PKG_DIR is the built package (`ferry_wasm.js` and `ferry_wasm_bg.wasm`, wasm-bindgen `--target web`);
// BATCH_FILE a batch, e.g. from `cargo xtask gen --records 100000 batch.json`; NOW_MILLIS the `now` the
// native bench uses (its generator's constant) so both runs find the same diagnostics.
// Two figures, the fastest of RUNS runs each: `validate()` on the whole file, and `StreamingValidator` fed
// in 64 KiB chunks as the native bench feeds `Validator`. The last line is machine-readable:
// `wasm-node: validate_seconds=S streaming_seconds=S records=N bytes=B`.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const RUNS = 3;
const CHUNK_BYTES = 64 * 1024;

const [packageDirectory, batchPath, nowArgument] = process.argv.slice(2);
if (!packageDirectory || !batchPath) {
  console.error("usage: node throughput.mjs PKG_DIR BATCH_FILE [NOW_MILLIS]");
  process.exit(2);
}
const moduleUrl = pathToFileURL(resolve(packageDirectory, "ferry_wasm.js")).href;
const { default: init, validate, StreamingValidator } = await import(moduleUrl);
await init({ module_or_path: readFileSync(join(packageDirectory, "ferry_wasm_bg.wasm")) });

const bytes = new Uint8Array(readFileSync(batchPath));
const options = nowArgument ? { target: "symphony", nowMillis: Number(nowArgument) } : { target: "symphony" };

function fastest(run) {
  let best = Infinity;
  let result;
  for (let attempt = 0; attempt < RUNS; attempt += 1) {
    const started = process.hrtime.bigint();
    result = run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    best = Math.min(best, seconds);
  }
  return { seconds: best, result };
}

function streamed() {
  const validator = new StreamingValidator(options);
  validator.beginFile("file-0");
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
    validator.push(bytes.subarray(offset, offset + CHUNK_BYTES));
  }
  validator.endFile();
  return validator.finish();
}

const whole = fastest(() => validate(bytes, options));
const chunked = fastest(streamed);
const records = whole.result.records;
const megabytes = bytes.length / 1e6;
const summary = whole.result.summary;
console.log(`wasm under Node ${process.version}: ${records} records, ${megabytes.toFixed(1)} MB (fastest of ${RUNS} runs)`);
console.log(`  diagnostics: ${summary.errors} errors, ${summary.warnings} warnings, ${summary.infos} infos`);
for (const [name, figure] of [["validate() on the whole file", whole], [`StreamingValidator, ${CHUNK_BYTES / 1024} KiB chunks`, chunked]]) {
  console.log(
    `  ${name}: ${figure.seconds.toFixed(3)} s, ${Math.round(records / figure.seconds)} messages/s, ` +
      `${(megabytes / figure.seconds).toFixed(1)} MB/s`,
  );
}
console.log(`wasm-node: validate_seconds=${whole.seconds} streaming_seconds=${chunked.seconds} records=${records} bytes=${bytes.length}`);
