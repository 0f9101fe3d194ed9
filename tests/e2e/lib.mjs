// Shared by the end-to-end suites: fixtures, bounded waits, simulated file drops. See run.mjs.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SCREENSHOT_DIR = join(REPOSITORY_ROOT, "target", "e2e");
export const TIMEOUT_MS = 30_000;

// A batch of three records (the third uses a timestamp in seconds, an id above 2^53 and an unknown field),
// and a batch whose JSON breaks off in the second record.
export const WELL_FORMED_BATCH = JSON.stringify(
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
export const MALFORMED_BATCH = '[\n  {"message": "<messageML>hi</messageML>", "streamId": "abc"},\n  {"message": "<messageML>cut';

export function appUrl() {
  return process.env.FERRY_URL;
}

/** Drops a file on `selector` the way a browser does: a DataTransfer holding a File. */
export async function dropFile(page, selector, name, text) {
  await dropFiles(page, selector, [{ name, text }]);
}

/** Drops several files at once, in order. */
export async function dropFiles(page, selector, files) {
  await page.locator(selector).waitFor({ timeout: TIMEOUT_MS });
  const dataTransfer = await page.evaluateHandle((files) => {
    const transfer = new DataTransfer();
    for (const { name, text } of files) transfer.items.add(new File([text], name, { type: "application/json" }));
    return transfer;
  }, files);
  await page.dispatchEvent(selector, "dragover", { dataTransfer });
  await page.dispatchEvent(selector, "drop", { dataTransfer });
}

/** Fails when markup from a batch ran: hostile records set `window.__ferryPwned` when they run. */
export async function assertNotPwned(page) {
  const flag = await page.evaluate(() => window.__ferryPwned);
  if (flag !== undefined) throw new Error(`markup from the batch ran: window.__ferryPwned = ${JSON.stringify(flag)}`);
}

/** Waits until the first element of `locator` has exactly `expected` as its trimmed text. */
export async function expectText(locator, expected) {
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
export async function expectCount(locator, expected) {
  const deadline = Date.now() + TIMEOUT_MS;
  let actual;
  do {
    actual = await locator.count();
    if (actual === expected) return;
    await locator.page().waitForFunction(() => true, null, { polling: "raf", timeout: TIMEOUT_MS });
  } while (Date.now() < deadline);
  throw new Error(`expected ${expected} matching elements, found ${actual}`);
}


/**
 * Runs axe-core on the page as it is now and throws when it reports a serious or critical violation; prints the
 * count of lesser ones. axe's source is evaluated through the browser's debugging protocol, which the page's
 * Content-Security-Policy does not govern, so the page is tested under its real policy.
 */
export async function expectAccessible(page, what) {
  const axeSource = readFileSync(join(REPOSITORY_ROOT, "tests/e2e/node_modules/axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ["violations"] });
    return results.violations.map(({ id, impact, help, nodes }) => ({
      id, impact, help, targets: nodes.slice(0, 3).map((node) => node.target.join(" ")),
    }));
  });
  const serious = violations.filter(({ impact }) => impact === "serious" || impact === "critical");
  const lesser = violations.length - serious.length;
  console.log(`    axe on ${what}: ${serious.length} serious or critical, ${lesser} minor or moderate violation(s)`);
  if (serious.length > 0) {
    const lines = serious.map(({ id, impact, help, targets }) => `${impact} ${id}: ${help} (${targets.join(", ")})`);
    throw new Error(`axe found on ${what}:\n${lines.join("\n")}`);
  }
}
