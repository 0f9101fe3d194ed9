// Browser end-to-end tests of Ferry's web app, and of the plain JavaScript page that uses the package.
//
// Drives the system's Chromium (/usr/bin/chromium, or $CHROMIUM) with playwright-core; never downloads a
// browser. The app must already be served:
//
//   FERRY_URL=http://127.0.0.1:PORT/ node tests/e2e/run.mjs
//
// FERRY_PLAIN_JS_URL, when set, is the address of examples/plain-js/ served with its `pkg/` built; its tests
// are skipped (and the output says so) when it is not set.
//
// Prints `ok - NAME` or `not ok - NAME` per test, then one line `e2e result: N passed, M failed`; exits 1 when a
// test failed, 2 when the run itself could not start. Screenshots go to target/e2e/ under the repository root.
// Every wait is bounded by TIMEOUT_MS; nothing sleeps.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SCREENSHOT_DIR = join(REPOSITORY_ROOT, "target", "e2e");
const TIMEOUT_MS = 30_000;
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--window-size=1280,800",
];

// A batch of three records (the third uses a timestamp in seconds, an id above 2^53 and an unknown field),
// and a batch whose JSON breaks off in the second record.
const WELL_FORMED_BATCH = JSON.stringify(
  [
    {
      message: "<messageML>Quarterly numbers are in</messageML>",
      intendedMessageTimestamp: 1700000000000,
      intendedMessageFromUserId: 349026222342,
      originatingSystemId: "legacy-chat",
      originalMessageId: "m-1",
      streamId: "iWyZBIOdQQzQj0tKOLRivX___qu6YeyZdA",
    },
    {
      message: "<messageML>Shipping on Friday</messageML>",
      intendedMessageTimestamp: 1700000060000,
      intendedMessageFromUserId: 349026222342,
      originatingSystemId: "legacy-chat",
      originalMessageId: "m-2",
      streamId: "iWyZBIOdQQzQj0tKOLRivX___qu6YeyZdA",
    },
    {
      message: "<messageML>A timestamp in seconds</messageML>",
      intendedMessageTimestamp: 1700000120,
      intendedMessageFromUserId: 349026222342,
      originatingSystemId: "legacy-chat",
      originalMessageId: "m-3",
      streamId: "iWyZBIOdQQzQj0tKOLRivX___qu6YeyZdA",
      format: "MESSAGEML",
    },
  ],
  null,
  2,
);
const MALFORMED_BATCH = '[\n  {"message": "<messageML>hi</messageML>", "streamId": "abc"},\n  {"message": "<messageML>cut';

/** The tests, in order; each gets a fresh page. */
const APP_TESTS = [
  ["the page shows the drop zone and the file input", async (page) => {
    await page.goto(appUrl());
    await page.locator("#drop-zone").waitFor({ timeout: TIMEOUT_MS });
    await expectText(page.locator("h1"), "Ferry");
    await expectCount(page.locator("#file-input"), 1);
  }],
  ["a dropped batch is checked: record count, a timestamp in seconds (TS003), the plan", async (page) => {
    await page.goto(appUrl());
    await dropFile(page, "#drop-zone", "batch.json", WELL_FORMED_BATCH);
    await expectText(page.locator("#record-count"), "3");
    await expectText(page.locator(".report .file-name"), "batch.json");
    const row = page.locator("table.diagnostics tr.diagnostic", { has: page.locator("code.code", { hasText: "TS003" }) });
    await row.first().waitFor({ timeout: TIMEOUT_MS });
    await expectText(row.first().locator(".record-index"), "#2");
    await expectText(row.first().locator("td code").nth(1), "/intendedMessageTimestamp");
    await page.locator("#plan").waitFor({ timeout: TIMEOUT_MS });
    await page.screenshot({ path: join(SCREENSHOT_DIR, "app-well-formed.png"), fullPage: true });
  }],
  ["a dropped malformed batch lists JSON001 with its severity", async (page) => {
    await page.goto(appUrl());
    await dropFile(page, "#drop-zone", "broken.json", MALFORMED_BATCH);
    const row = page.locator("table.diagnostics tr.diagnostic", { has: page.locator("code.code", { hasText: "JSON001" }) });
    await row.first().waitFor({ timeout: TIMEOUT_MS });
    await expectText(row.first().locator(".badge"), "error");
    // The batch breaks off on its third line: the finding says where, line and column from 1.
    const position = await row.first().locator(".position").textContent();
    if (!/^line 3, col \d+$/.test(position.trim())) throw new Error(`position shown: ${JSON.stringify(position)}`);
    const errors = Number(await page.locator("#error-count").textContent());
    if (!(errors >= 1)) throw new Error(`error count shows ${errors}, expected at least 1`);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "app-malformed.png"), fullPage: true });
  }],
  ["two files dropped together are one batch: a duplicate across them is BATCH001 in the second", async (page) => {
    await page.goto(appUrl());
    const first = JSON.parse(WELL_FORMED_BATCH).slice(0, 2).map((record) => JSON.stringify(record)).join("\n");
    const second = JSON.stringify(JSON.parse(WELL_FORMED_BATCH)[0]);
    await dropFiles(page, "#drop-zone", [{ name: "part-1.ndjson", text: first }, { name: "part-2.ndjson", text: second }]);
    await expectText(page.locator("#record-count"), "3");
    await expectText(page.locator(".report .file-name"), "2 files (part-1.ndjson and 1 more)");
    const row = page.locator("table.diagnostics tr.diagnostic", { has: page.locator("code.code", { hasText: "BATCH001" }) });
    await row.first().waitFor({ timeout: TIMEOUT_MS });
    await expectText(row.first().locator("td.file"), "part-2.ndjson");
    await expectText(row.first().locator(".record-index"), "#2");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "app-two-files.png"), fullPage: true });
  }],
  ["markup quoted from the file is shown as text, never run", async (page) => {
    await page.goto(appUrl());
    const record = JSON.parse(WELL_FORMED_BATCH)[0];
    record["<img src=x onerror=window.__ferryInjected=1>"] = "unknown field";
    await dropFile(page, "#drop-zone", "hostile.json", JSON.stringify([record]));
    const row = page.locator("table.diagnostics tr.diagnostic", { has: page.locator("code.code", { hasText: "SCH004" }) });
    await row.first().waitFor({ timeout: TIMEOUT_MS });
    const message = await row.first().locator(".message").textContent();
    if (!message.includes("<img src=x onerror=window.__ferryInjected=1>")) {
      throw new Error(`the field name is not quoted as text: ${JSON.stringify(message)}`);
    }
    await expectCount(page.locator(".report img"), 0);
    if (await page.evaluate(() => window.__ferryInjected !== undefined)) throw new Error("the quoted markup ran");
  }],
  ["a file picked with the file input is checked", async (page) => {
    await page.goto(appUrl());
    await page.locator("#file-input").setInputFiles({
      name: "picked.ndjson",
      mimeType: "application/x-ndjson",
      buffer: Buffer.from(MALFORMED_BATCH),
    });
    await expectText(page.locator(".report .file-name"), "picked.ndjson");
  }],
  ["hiding errors removes them from the list", async (page) => {
    await page.goto(appUrl());
    await dropFile(page, "#drop-zone", "broken.json", MALFORMED_BATCH);
    await page.locator("tr.diagnostic.error").first().waitFor({ timeout: TIMEOUT_MS });
    await page.locator(".count.error button.toggle").click();
    await expectCount(page.locator("tr.diagnostic.error"), 0);
    await page.locator(".count.error button.toggle").click();
    await page.locator("tr.diagnostic.error").first().waitFor({ timeout: TIMEOUT_MS });
  }],
];

const PLAIN_JS_TESTS = [
  ["the plain JavaScript page validates a file with the package", async (page) => {
    await page.goto(process.env.FERRY_PLAIN_JS_URL);
    await page.locator("#ready").waitFor({ state: "attached", timeout: TIMEOUT_MS });
    await page.locator("#file").setInputFiles({
      name: "broken.json",
      mimeType: "application/json",
      buffer: Buffer.from(MALFORMED_BATCH),
    });
    const row = page.locator("#diagnostics li", { hasText: "JSON001" });
    await row.first().waitFor({ timeout: TIMEOUT_MS });
    await page.screenshot({ path: join(SCREENSHOT_DIR, "plain-js.png"), fullPage: true });
  }],
];

function appUrl() {
  return process.env.FERRY_URL;
}

/** Drops a file on `selector` the way a browser does: a DataTransfer holding a File. */
async function dropFile(page, selector, name, text) {
  await dropFiles(page, selector, [{ name, text }]);
}

/** Drops several files at once, in order. */
async function dropFiles(page, selector, files) {
  await page.locator(selector).waitFor({ timeout: TIMEOUT_MS });
  const dataTransfer = await page.evaluateHandle((files) => {
    const transfer = new DataTransfer();
    for (const { name, text } of files) transfer.items.add(new File([text], name, { type: "application/json" }));
    return transfer;
  }, files);
  await page.dispatchEvent(selector, "dragover", { dataTransfer });
  await page.dispatchEvent(selector, "drop", { dataTransfer });
}

/** Waits until the first element of `locator` has exactly `expected` as its trimmed text. */
async function expectText(locator, expected) {
  const deadline = Date.now() + TIMEOUT_MS;
  let actual;
  while (Date.now() < deadline) {
    if ((await locator.count()) > 0) {
      actual = (await locator.first().textContent())?.trim();
      if (actual === expected) return;
    }
    await locator.page().waitForFunction(() => true, null, { polling: "raf", timeout: TIMEOUT_MS });
  }
  throw new Error(`expected text ${JSON.stringify(expected)}, found ${actual === undefined ? "no element" : JSON.stringify(actual)}`);
}

/** Waits until `locator` matches exactly `expected` elements. */
async function expectCount(locator, expected) {
  const deadline = Date.now() + TIMEOUT_MS;
  let actual;
  do {
    actual = await locator.count();
    if (actual === expected) return;
    await locator.page().waitForFunction(() => true, null, { polling: "raf", timeout: TIMEOUT_MS });
  } while (Date.now() < deadline);
  throw new Error(`expected ${expected} matching elements, found ${actual}`);
}

async function runTests(browser, tests, counts) {
  for (const [name, body] of tests) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(`${message.text()} (${message.location().url})`);
    });
    try {
      await body(page);
      if (pageErrors.length > 0) throw new Error(`the page reported errors: ${pageErrors.join(" | ")}`);
      counts.passed += 1;
      console.log(`ok - ${name}`);
    } catch (error) {
      counts.failed += 1;
      console.log(`not ok - ${name}\n    ${String(error?.message ?? error).split("\n").join("\n    ")}`);
    } finally {
      await context.close();
    }
  }
}

async function main() {
  if (!appUrl()) {
    console.error("FERRY_URL is not set: serve the app (`ferry serve --port 0`) and pass its address.");
    process.exit(2);
  }
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Chromium writes its caches and settings under XDG folders: keep them out of the home folder.
  const scratch = mkdtempSync(join(tmpdir(), "ferry-e2e-"));
  process.env.XDG_CONFIG_HOME = join(scratch, "config");
  process.env.XDG_CACHE_HOME = join(scratch, "cache");
  const counts = { passed: 0, failed: 0 };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_FLAGS,
    timeout: TIMEOUT_MS,
  });
  try {
    await runTests(browser, APP_TESTS, counts);
    if (process.env.FERRY_PLAIN_JS_URL) {
      await runTests(browser, PLAIN_JS_TESTS, counts);
    } else {
      console.log(`skipped - ${PLAIN_JS_TESTS.length} plain JavaScript page test(s): FERRY_PLAIN_JS_URL is not set`);
    }
  } finally {
    await browser.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`screenshots: ${SCREENSHOT_DIR}`);
  console.log(`e2e result: ${counts.passed} passed, ${counts.failed} failed`);
  process.exit(counts.failed > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`e2e run failed: ${error?.stack ?? error}`);
  console.log("e2e result: 0 passed, 1 failed");
  process.exit(2);
});
