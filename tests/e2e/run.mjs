// Browser end-to-end tests of Ferry's web app, and of the plain JavaScript page that uses the package.
//
// The app's tests are in suites/*.mjs (each exports `tests`, a list of [name, async (page) => ...]), run in
// the order of their file names; lib.mjs holds what they share.
//
// Drives the system's Chromium (/usr/bin/chromium, or $CHROMIUM) with playwright-core; never downloads a
// browser. The app must already be served:
//
//   FERRY_URL=http://127.0.0.1:PORT/ node tests/e2e/run.mjs
//
// FERRY_BIN, when set, is the `ferry` binary that serves FERRY_URL: suites that stop and restart a server of their
// own use it (they are skipped, and the output says so, when it is not set).
//
// FERRY_E2E_SUITES, when set, names the suites to run (comma-separated file names without `.mjs`).
//
// FERRY_PLAIN_JS_URL, when set, is the address of examples/plain-js/ served with its `pkg/` built; its tests
// are skipped (and the output says so) when it is not set.
//
// Prints `ok - NAME` or `not ok - NAME` per test, then one line `e2e result: N passed, M failed`; exits 1 when a
// test failed, 2 when the run itself could not start. Screenshots go to target/e2e/ under the repository root.
// Every wait is bounded by TIMEOUT_MS; nothing sleeps.

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

import { MALFORMED_BATCH, SCREENSHOT_DIR, TIMEOUT_MS, appUrl } from "./lib.mjs";

const SUITES_DIR = join(dirname(fileURLToPath(import.meta.url)), "suites");
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
    // FERRY_E2E_SUITES (e.g. "import,a11y") runs only those suites, for working on one of them; the full run
    // (`cargo xtask test`) leaves it unset.
    const only = process.env.FERRY_E2E_SUITES?.split(",").map((name) => `${name.trim()}.mjs`);
    const chosen = (name) => name.endsWith(".mjs") && (!only || only.includes(name));
    for (const file of readdirSync(SUITES_DIR).filter(chosen).sort()) {
      const { tests } = await import(pathToFileURL(join(SUITES_DIR, file)).href);
      await runTests(browser, tests, counts);
    }
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
