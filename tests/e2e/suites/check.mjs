// The check of dropped files in the page: counts, positions, several files as one batch, quoted markup kept
// inert, the summary (rules, streams, senders, timeline), the virtualised list with its filters, groups and
// order, the options, and cancelling a check.

import { join } from "node:path";

import {
  MALFORMED_BATCH, SCREENSHOT_DIR, TIMEOUT_MS, WELL_FORMED_BATCH, appUrl, dropFile, dropFiles, expectCount, expectText,
} from "../lib.mjs";

/** One NDJSON record of stream `stream`, sender `sender`, at `timestamp`, with `message`. */
function record(index, { stream = "roomA", sender = 1001, timestamp = 1700000000000 + index * 1000, message } = {}) {
  return JSON.stringify({
    message: message ?? `<messageML>message ${index}</messageML>`,
    intendedMessageTimestamp: timestamp,
    intendedMessageFromUserId: sender,
    originatingSystemId: "legacy-chat",
    originalMessageId: `m-${index}`,
    streamId: stream,
  });
}

/** The list's row of record number `number` (from 1). */
function row(page, number) {
  return page.locator(`.record-row[data-record="${number}"]`);
}

/** Opens record `number` from the list and returns the record view. */
async function openRecord(page, number) {
  await row(page, number).click();
  const view = page.locator("#record-view");
  await expectText(view.locator("h2"), `Record #${number}`);
  return view;
}

/** The tests, in order; each gets a fresh page. */
export const tests = [
  ["the page shows the drop zone, the file input and the options", async (page) => {
    await page.goto(appUrl());
    await page.locator("#drop-zone").waitFor({ timeout: TIMEOUT_MS });
    await expectText(page.locator("h1"), "Ferry");
    await expectCount(page.locator("#file-input"), 1);
    await expectCount(page.locator("#option-target"), 1);
    await expectCount(page.locator("#option-now"), 1);
  }],
  ["a dropped batch is checked: record count, a timestamp in seconds (TS003) on record 3, the plan", async (page) => {
    await page.goto(appUrl());
    await dropFile(page, "#drop-zone", "batch.json", WELL_FORMED_BATCH);
    await expectText(page.locator("#record-count"), "3");
    await expectText(page.locator(".report .file-name"), "batch.json");
    await expectText(page.locator("#warning-count"), "2");
    await page.locator("#plan").waitFor({ timeout: TIMEOUT_MS });
    // Records are numbered from 1: the third record is #3.
    const view = await openRecord(page, 3);
    const finding = view.locator(".finding-item", { has: page.locator("code.code", { hasText: "TS003" }) });
    await expectText(finding.locator("code.pointer"), "/intendedMessageTimestamp");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "app-well-formed.png"), fullPage: true });
  }],
  ["a dropped malformed batch lists JSON001 with its severity, line and column", async (page) => {
    await page.goto(appUrl());
    await dropFile(page, "#drop-zone", "broken.json", MALFORMED_BATCH);
    const finding = page.locator("table.diagnostics tr.diagnostic", { has: page.locator("code.code", { hasText: "JSON001" }) });
    await finding.first().waitFor({ timeout: TIMEOUT_MS });
    await expectText(finding.first().locator(".badge"), "error");
    // The batch breaks off on its third line: the finding says where, line and column from 1.
    const position = await finding.first().locator(".position").textContent();
    if (!/^line 3, col \d+$/.test(position.trim())) throw new Error(`position shown: ${JSON.stringify(position)}`);
    const errors = Number(await page.locator("#error-count").textContent());
    if (!(errors >= 1)) throw new Error(`error count shows ${errors}, expected at least 1`);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "app-malformed.png"), fullPage: true });
  }],
  ["two files dropped together are one batch: a duplicate across them is BATCH001 on record 3, in the second file", async (page) => {
    await page.goto(appUrl());
    const first = JSON.parse(WELL_FORMED_BATCH).slice(0, 2).map((record) => JSON.stringify(record)).join("\n");
    const second = JSON.stringify(JSON.parse(WELL_FORMED_BATCH)[0]);
    await dropFiles(page, "#drop-zone", [{ name: "part-1.ndjson", text: first }, { name: "part-2.ndjson", text: second }]);
    await expectText(page.locator("#record-count"), "3");
    await expectText(page.locator(".report .file-name"), "2 files (part-1.ndjson and 1 more)");
    const view = await openRecord(page, 3);
    await expectText(view.locator(".record-file"), "part-2.ndjson");
    await view.locator(".finding-item code.code", { hasText: "BATCH001" }).waitFor({ timeout: TIMEOUT_MS });
    await page.screenshot({ path: join(SCREENSHOT_DIR, "app-two-files.png"), fullPage: true });
  }],
  ["markup quoted from the file is shown as text, never run", async (page) => {
    await page.goto(appUrl());
    const hostile = JSON.parse(WELL_FORMED_BATCH)[0];
    hostile["<img src=x onerror=window.__ferryInjected=1>"] = "unknown field";
    await dropFile(page, "#drop-zone", "hostile.json", JSON.stringify([hostile]));
    const quoted = "<img src=x onerror=window.__ferryInjected=1>";
    await page.locator(".record-row .message", { hasText: quoted }).first().waitFor({ timeout: TIMEOUT_MS });
    const view = await openRecord(page, 1);
    const message = await view.locator(".finding-item", { has: page.locator("code.code", { hasText: "SCH004" }) }).locator(".message").textContent();
    if (!message.includes(quoted)) throw new Error(`the field name is not quoted as text: ${JSON.stringify(message)}`);
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
  ["hiding errors removes their records from the list, showing them brings them back", async (page) => {
    await page.goto(appUrl());
    await dropFile(page, "#drop-zone", "broken.json", MALFORMED_BATCH);
    await page.locator(".record-row.error").first().waitFor({ timeout: TIMEOUT_MS });
    await page.locator(".count.error button.toggle").click();
    await expectCount(page.locator(".record-row.error"), 0);
    await page.locator(".count.error button.toggle").click();
    await page.locator(".record-row.error").first().waitFor({ timeout: TIMEOUT_MS });
  }],
  ["the summary's rules, streams, senders and timeline filter the list", async (page) => {
    await page.goto(appUrl());
    const day = 86_400_000;
    const start = Date.UTC(2026, 10, 2);
    const records = [];
    for (let index = 0; index < 30; index += 1) {
      records.push(record(index, {
        stream: index % 3 === 0 ? "roomB" : "roomA",
        sender: index % 2 === 0 ? 1001 : 1002,
        timestamp: start + Math.floor(index / 10) * day + index * 1000,
        message: index === 7 ? "<messageML><b>unclosed</messageML>" : undefined,
      }));
    }
    await dropFile(page, "#drop-zone", "days.ndjson", records.join("\n"));
    await expectText(page.locator("#record-count"), "30");
    await expectText(page.locator("#time-range"), "2026-11-02 00:00:00 UTC to 2026-11-04 00:00:29 UTC");
    // Three days, three bars, each a labelled button.
    await expectCount(page.locator("#histogram g.bar[role=button]"), 3);
    await page.locator('#histogram g.bar[aria-label="2026-11-03: 10 records"]').click();
    // Ten records without findings: their group is all the list holds, so it is open.
    await expectText(page.locator("#list-count"), "10 records listed");
    await expectCount(page.locator(".record-row"), 10);
    await page.locator("#clear-filters").click();
    // The rule table: the unclosed <b> of record 8 is an error; choosing its code lists only that record.
    const code = (await page.locator(".rule-table button.code").first().textContent()).trim();
    await page.locator(".rule-table button.code").first().click();
    await expectCount(page.locator(".record-row"), 1);
    await expectText(page.locator(".record-row .record-number"), "#8");
    await page.locator("#clear-filters").click();
    // Streams: roomB holds records 1, 4, 7, ... (10 of them).
    await expectText(page.locator("#streams h3"), "Streams (2)");
    await page.locator("#streams button", { hasText: "roomB" }).click();
    await page.locator("#list-sort").selectOption("record");
    await expectText(page.locator(".record-row .record-number").first(), "#1");
    await expectCount(page.locator(".record-row"), 10);
    await page.locator("#clear-filters").click();
    await page.locator("#senders button", { hasText: "1002" }).click();
    await expectText(page.locator("#list-count"), "1 record listed, 14 in closed groups");
    if (!code) throw new Error("the rule table lists no code");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "app-summary.png"), fullPage: true });
  }],
  ["the many infos of one rule are one group row after the errors; the search box filters", async (page) => {
    await page.goto(appUrl());
    const records = [];
    for (let index = 0; index < 400; index += 1) {
      records.push(record(index, { message: `<messageML>hi <mention email="user${index}@example.com"/></messageML>` }));
    }
    records.push(record(400, { message: "<messageML><b>broken</messageML>" }));
    await dropFile(page, "#drop-zone", "mentions.ndjson", records.join("\n"));
    await expectText(page.locator("#record-count"), "401");
    // The error comes first, then one group for the 400 mentions.
    await expectText(page.locator(".list-row").first().locator(".record-number"), "#401");
    const group = page.locator('.group-row[data-group="MML022"]');
    await expectText(group.locator(".group-label"), "MML022 · 400 findings · 400 records with only infos");
    await expectText(group.locator(".group-verb"), "show");
    await group.click();
    await expectText(group.locator(".group-verb"), "hide");
    await page.locator("#list-search").fill("user123@");
    await expectText(page.locator("#list-count"), "1 record listed");
    await expectText(page.locator(".record-row .record-number"), "#124");
  }],
  ["the list is virtualised: 20,000 records put a few dozen rows in the page, and the last one is reached by scrolling", async (page) => {
    await page.goto(appUrl());
    const records = [];
    for (let index = 0; index < 20_000; index += 1) records.push(record(index, { timestamp: 1700000000 + index }));
    await dropFile(page, "#drop-zone", "many.ndjson", records.join("\n"));
    await expectText(page.locator("#record-count"), "20,000");
    await page.locator("#list-sort").selectOption("record");
    await expectText(page.locator("#list-count"), "20,000 records listed");
    const rows = await page.locator(".list-row").count();
    if (rows > 60) throw new Error(`${rows} rows in the DOM for 20,000 records`);
    await page.locator("#list-viewport").evaluate((viewport) => { viewport.scrollTop = viewport.scrollHeight; });
    await row(page, 20_000).waitFor({ timeout: TIMEOUT_MS });
    // Enter on a focused row opens the record.
    await row(page, 20_000).focus();
    await page.keyboard.press("Enter");
    await expectText(page.locator("#record-view h2"), "Record #20000");
  }],
  ["options: a `now` before the batch makes its timestamps future (TS001); checking again keeps the files", async (page) => {
    await page.goto(appUrl());
    await dropFile(page, "#drop-zone", "batch.json", WELL_FORMED_BATCH);
    await expectText(page.locator("#error-count"), "0");
    await page.locator("#option-now").fill("2023-01-01T00:00:00");
    await page.locator("#option-now").dispatchEvent("change");
    await page.locator("#recheck").click();
    await expectText(page.locator("#error-count"), "2");
    await page.locator(".rule-table button.code", { hasText: "TS001" }).waitFor({ timeout: TIMEOUT_MS });
    await page.locator("#option-target").selectOption("teams");
    await page.locator("#recheck").click();
    await expectText(page.locator(".report .file-name"), "batch.json");
  }],
  ["cancelling a check leaves the page as it was", async (page) => {
    await page.goto(appUrl());
    await dropFile(page, "#drop-zone", "batch.json", WELL_FORMED_BATCH);
    await expectText(page.locator("#record-count"), "3");
    // About 60 MB: long enough to cancel mid-way.
    await page.evaluate(() => {
      const line = JSON.stringify({ message: "<messageML>" + "x".repeat(1000) + "</messageML>", intendedMessageTimestamp: 1700000000000 });
      const file = new File([Array(60_000).fill(line).join("\n")], "big.ndjson");
      const transfer = new DataTransfer();
      transfer.items.add(file);
      const zone = document.querySelector("#drop-zone");
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await page.locator("#cancel-check").click();
    await expectCount(page.locator("#check-progress"), 0);
    await expectText(page.locator("#record-count"), "3");
    await expectText(page.locator(".report .file-name"), "batch.json");
  }],
];
