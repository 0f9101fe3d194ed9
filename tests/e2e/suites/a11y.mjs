// Accessibility, checked by axe-core in the real browser on each state of the page a user works in: the empty
// page, the summary with the list, a record view, and the import panel; at 1280×800 and at the CSS size 200%
// zoom gives (640×400); with the keyboard's focus visible. Also saves the README's two screenshots (see `saveForReadme`).

import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

import { REPOSITORY_ROOT, SCREENSHOT_DIR, TIMEOUT_MS, appUrl, dropFile, expectAccessible, expectText } from "../lib.mjs";

const STREAMS = ["iWyZBIOdQQzQj0tKOLRivX___qu6YeyZdA", "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA"];
const DAY = 86_400_000;

/**
 * Sixty records over twenty days, with the problems people meet: unclosed markup (record 12, whose span the record
 * view highlights), plain text (record 20), and formatted messages with links.
 */
function sampleBatch() {
  const lines = [];
  for (let index = 0; index < 60; index += 1) {
    const number = index + 1;
    let message = `<messageML>Release notes <b>v${number}</b>: see <a href="https://example.com/${number}">the tracker</a></messageML>`;
    if (number === 12) message = "<messageML>The <b>quarterly</i> numbers are in</messageML>";
    if (number === 20) message = "plain text from the old system";
    lines.push(JSON.stringify({
      message,
      intendedMessageTimestamp: 1_764_000_000_000 + Math.floor(index / 3) * DAY + index * 60_000,
      intendedMessageFromUserId: 349026222342 + (index % 3),
      originatingSystemId: "legacy-chat",
      originalMessageId: `a11y-${number}`,
      streamId: STREAMS[index % 2],
    }));
  }
  return lines.join("\n");
}

/** Drops the sample batch and waits for its summary and list. */
async function dropSample(page) {
  await page.goto(appUrl());
  await dropFile(page, "#drop-zone", "sample.ndjson", sampleBatch());
  await page.locator("#record-count").waitFor({ timeout: TIMEOUT_MS });
  await page.locator("#list-viewport .record-row").first().waitFor({ timeout: TIMEOUT_MS });
}

/** Opens record `number` from the list (it has an error, so it is listed). */
async function openRecord(page, number) {
  await page.locator(`#list-viewport .record-row[data-record="${number}"]`).click();
  await expectText(page.locator("#record-view-title"), `Record #${number}`);
}

/**
 * Saves a screenshot of the viewport under target/e2e/; with FERRY_UPDATE_README_IMAGES=1 also copies it to
 * docs/images/, the README's pictures (a test run never changes the clone otherwise).
 */
async function saveForReadme(page, name) {
  const path = join(SCREENSHOT_DIR, name);
  await page.screenshot({ path });
  if (process.env.FERRY_UPDATE_README_IMAGES !== "1") return;
  const images = join(REPOSITORY_ROOT, "docs", "images");
  mkdirSync(images, { recursive: true });
  copyFileSync(path, join(images, name));
}

export const tests = [
  ["the empty page has no serious accessibility violation", async (page) => {
    await page.goto(appUrl());
    await page.locator("#drop-zone").waitFor({ timeout: TIMEOUT_MS });
    await expectAccessible(page, "the empty page");
  }],
  ["the summary, the list and the import panel have no serious accessibility violation", async (page) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await dropSample(page);
    await page.locator(".timeline svg").waitFor({ timeout: TIMEOUT_MS });
    await expectAccessible(page, "the summary, the list and the import panel");
    // From the batch's title down: the counts, the plan, the findings per rule, streams, senders and the chart.
    await page.evaluate(() => window.scrollTo(0, document.querySelector(".report").getBoundingClientRect().top + window.scrollY - 8));
    await saveForReadme(page, "summary.png");
  }],
  ["a record view has no serious accessibility violation", async (page) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await dropSample(page);
    await openRecord(page, 12);
    await page.locator(".record-view mark").first().waitFor({ timeout: TIMEOUT_MS });
    await expectAccessible(page, "a record view");
    await page.locator("#record-view").scrollIntoViewIfNeeded();
    await saveForReadme(page, "record-view.png");
  }],
  ["at 200% zoom (640×400 CSS pixels) the page reads without sideways scrolling and stays accessible", async (page) => {
    await page.setViewportSize({ width: 640, height: 400 });
    await dropSample(page);
    await openRecord(page, 20);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) throw new Error(`the page scrolls sideways by ${overflow} px at 640 px wide`);
    await expectAccessible(page, "the page at 200% zoom");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "zoom-200.png"), fullPage: true });
  }],
  ["the keyboard's focus is visible on every control Tab reaches", async (page) => {
    await dropSample(page);
    await openRecord(page, 12);
    await page.locator("h1").click();
    const missing = [];
    const seen = new Set();
    for (let step = 0; step < 150; step += 1) {
      await page.keyboard.press("Tab");
      // A visible focus: an outline of at least 2 px or a box shadow while focused.
      const focused = await page.evaluate(() => {
        const node = document.activeElement;
        if (!node || node === document.body) return null;
        const style = getComputedStyle(node);
        const name = `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ""}${node.className && typeof node.className === "string" ? `.${node.className.split(" ")[0]}` : ""}`;
        const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
        // A timeline bar (SVG, where outlines do not draw) shows its focus by the colour of its area instead.
        const hit = node.querySelector?.(".hit");
        const other = document.querySelector(".histogram .bar:not(:focus) .hit");
        const recoloured = hit && other && getComputedStyle(hit).fill !== getComputedStyle(other).fill;
        return { name: `${name} (${style.outlineStyle} ${style.outlineWidth})`, visible: outline || style.boxShadow !== "none" || Boolean(recoloured) };
      });
      if (!focused) continue;
      seen.add(focused.name);
      if (!focused.visible) missing.push(focused.name);
    }
    // The drop zone's picker, the options, the summary's filters and the timeline's bars, the list's rows...
    if (seen.size < 6) throw new Error(`Tab reached only ${[...seen].join(", ")}`);
    if (missing.length > 0) throw new Error(`no visible focus on ${[...new Set(missing)].join(", ")}`);
  }],
];
