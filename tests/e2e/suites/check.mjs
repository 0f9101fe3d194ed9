// The check of dropped files: counts, positions, several files as one batch, quoted markup kept inert.

import { join } from "node:path";

import {
  MALFORMED_BATCH, SCREENSHOT_DIR, TIMEOUT_MS, WELL_FORMED_BATCH, appUrl, dropFile, dropFiles, expectCount, expectText,
} from "../lib.mjs";

/** The tests, in order; each gets a fresh page. */
export const tests = [
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
    await expectText(row.first().locator(".record-index"), "#3");
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
    await expectText(row.first().locator(".record-index"), "#3");
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

