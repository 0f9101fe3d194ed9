// The import through `ferry serve`: the session's token, approve and upload a dropped batch into the sandbox
// (message ids per record, the pre-flight's refusals on the page's records, the reports), and the run that
// survives the server being killed mid-import and started again on the same journal and sandbox state.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { SCREENSHOT_DIR, TIMEOUT_MS, appUrl, dropFile, expectCount } from "../lib.mjs";

/** The sandbox's demo dataset (see docs/api.md): alice and bob are members of both rooms. */
const ALICE = 349026222342;
const BOB = 349026222343;
const ROOMS = ["iWyZBIOdQQzQj0tKOLRivX___qu6YeyZdA", "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA"];
/** A user id no pod knows: the pre-flight refuses its messages (POD002). */
const UNKNOWN_USER = 349026299999;
/** How long a whole import may take in the restart test (tens of thousands of messages, twice started). */
const IMPORT_TIMEOUT_MS = 180_000;

/** `count` records for the demo dataset, with ids unique to this run of the tests, as NDJSON. */
function demoBatch(count, prefix, sender = () => ALICE) {
  const lines = [];
  for (let index = 0; index < count; index += 1) {
    lines.push(JSON.stringify({
      message: `<messageML>Message ${index} of ${prefix}</messageML>`,
      intendedMessageTimestamp: 1_700_000_000_000 + index * 1_000,
      intendedMessageFromUserId: sender(index),
      originatingSystemId: "ferry-e2e",
      originalMessageId: `${prefix}-${index}`,
      streamId: ROOMS[index % 2],
    }));
  }
  return lines.join("\n");
}

/** A prefix no earlier run of the tests used (the shared server's journal and sandbox outlive one test). */
function uniquePrefix(name) {
  return `${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Waits until `condition()` holds, polling every animation frame of `page`, for at most `timeoutMs`. */
async function waitUntil(page, description, condition, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await condition();
    if (last) return last;
    await page.waitForFunction(() => true, null, { polling: "raf", timeout: timeoutMs });
  }
  throw new Error(`${description}: not within ${timeoutMs} ms`);
}

/** The text of `selector`, or "" when it is not on the page. */
async function textOf(page, selector) {
  const locator = page.locator(selector);
  return (await locator.count()) > 0 ? ((await locator.first().textContent()) ?? "").trim() : "";
}

/** The run's figures as `#run-counts` shows them: requests answered and in all, records done and in all. */
async function runCounts(page) {
  const text = await textOf(page, "#run-counts");
  const [, requestsDone, requestsTotal, recordsDone, recordsTotal] = (text.match(/^(\d+) of (\d+) requests answered .*?, (\d+) of (\d+) records/) ?? []).map(Number);
  return { text, requestsDone, requestsTotal, recordsDone, recordsTotal };
}

/** Waits until the run shows `state` (its label: "completed", "importing", ...). */
async function waitForRunState(page, state, timeoutMs = TIMEOUT_MS) {
  await waitUntil(page, `run state "${state}" (last: "${await textOf(page, "#run-state")}")`, async () => (await textOf(page, "#run-state")) === state, timeoutMs);
}

/** Reads a download the page starts when `click()` runs; returns its file name and text. */
async function download(page, click) {
  const [file] = await Promise.all([page.waitForEvent("download", { timeout: TIMEOUT_MS }), click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path, "utf8") };
}

/** A batch of `count` records dropped on `page`, approved, and its import started with one request at a time;
 * resolves once the run is mid-way (a request answered, not all), with how long the check and the approval took. */
async function startLargeImport(page, count, name) {
  const started = Date.now();
  await dropFile(page, "#drop-zone", `${name}.ndjson`, demoBatch(count, uniquePrefix(name)));
  const uploads = Math.ceil(count / 5_000);
  await waitUntil(page, "the plan", async () => (await textOf(page, "#plan-uploads")).startsWith(`${uploads}, ${count.toLocaleString("en-US")} records`), IMPORT_TIMEOUT_MS);
  const checked = Date.now();
  await page.locator("#concurrency").fill("1");
  await page.locator("#concurrency").dispatchEvent("change");
  await page.locator("#approve").click();
  await waitUntil(page, "the batches taken in", async () => (await textOf(page, "#upload-line")).startsWith(`Checked against the pod: every batch taken in (${uploads})`), IMPORT_TIMEOUT_MS);
  const approved = Date.now();
  await page.locator("#start-import").click();
  await waitUntil(page, "a request answered", async () => {
    const answered = Number((await textOf(page, "#run-counts")).match(/^(\d+) of (\d+) requests/)?.[1] ?? 0);
    return answered >= 1 && (await textOf(page, "#run-state")) === "importing";
  }, IMPORT_TIMEOUT_MS);
  return { checkMs: checked - started, approveMs: approved - checked };
}

/**
 * Starts `FERRY_BIN serve --port 0` on `journal` and `state` (so a restart finds both again) and resolves once it
 * printed its address and its sandbox's; `stop()` kills it at once (SIGKILL: no chance to finish anything).
 */
async function startServer(folder) {
  const child = spawn(process.env.FERRY_BIN, [
    "serve", "--port", "0", "--journal", join(folder, "journal.sqlite3"), "--state", join(folder, "sandbox.sqlite3"),
  ], { cwd: folder, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const lines = createInterface({ input: child.stdout });
  const addresses = await new Promise((resolve, reject) => {
    const found = {};
    const timer = setTimeout(() => reject(new Error("ferry serve printed no address in time")), TIMEOUT_MS);
    child.once("exit", (code) => reject(new Error(`ferry serve exited with ${code} before printing its address`)));
    lines.on("line", (line) => {
      const app = line.match(/^Ferry is running at (http:\/\/\S+)/);
      const sandbox = line.match(/^The sandbox Symphony answers at (http:\/\/\S+)/);
      if (app) found.app = app[1];
      if (sandbox) found.sandbox = sandbox[1];
      if (found.app && found.sandbox) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  const token = new URL(addresses.app).hash.replace(/^#token=/, "");
  return {
    ...addresses,
    token,
    origin: new URL(addresses.app).origin,
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** GET `path` of `base` with the server's token; the JSON answer. */
async function getJson(base, path, token) {
  const answer = await fetch(new URL(path, base), { headers: { "x-ferry-token": token } });
  if (!answer.ok) throw new Error(`GET ${path}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

/** The tests, in order; each gets a fresh page. */
export const tests = [
  ["without the token the page says import needs the address ferry serve printed, and checking still works", async (page) => {
    const url = new URL(appUrl());
    url.hash = "";
    await page.goto(url.href);
    await page.locator("#no-token-note").waitFor({ timeout: TIMEOUT_MS });
    await dropFile(page, "#drop-zone", "batch.ndjson", demoBatch(2, uniquePrefix("no-token")));
    await page.locator("#record-count").waitFor({ timeout: TIMEOUT_MS });
    await expectCount(page.locator("#approve"), 0);
  }],
  ["the token leaves the address bar, stays for the tab's session only, and a reload keeps working", async (page) => {
    await page.goto(appUrl());
    await waitUntil(page, "the server's status", async () => (await textOf(page, "#server-status")).startsWith("Upstream: sandbox"));
    if (page.url().includes("token")) throw new Error(`the token is still in the address: ${page.url()}`);
    const kept = await page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie }));
    if (kept.session !== 1 || kept.local !== 0 || kept.cookie !== "") throw new Error(`token kept as ${JSON.stringify(kept)}`);
    await page.reload();
    await waitUntil(page, "the server's status after a reload", async () => (await textOf(page, "#server-status")).startsWith("Upstream: sandbox"));
  }],
  ["approve and import a dropped batch: each record gets its message id, the reports list them", async (page) => {
    await page.goto(appUrl());
    const prefix = uniquePrefix("approve");
    await dropFile(page, "#drop-zone", "approve.ndjson", demoBatch(3, prefix, (index) => (index % 2 ? BOB : ALICE)));
    await waitUntil(page, "the plan", async () => (await textOf(page, "#plan-uploads")).startsWith("1, 3 records"));
    await page.locator("#approve").click();
    await waitUntil(page, "the batch taken in", async () => (await textOf(page, "#upload-line")).startsWith("Checked against the pod: every batch taken in (1)"));
    const intake = await textOf(page, "#intake-counts");
    if (!intake.startsWith("3 planned, 0 refused")) throw new Error(`intake: ${intake}`);
    await page.locator("#start-import").click();
    await waitForRunState(page, "completed");
    const rows = page.locator("#batch-fates tr.fate.imported");
    await expectCount(rows, 3);
    const messageIds = [];
    for (let index = 0; index < 3; index += 1) {
      const row = rows.nth(index);
      const number = await row.locator(".record-index").textContent();
      if (number.trim() !== `#${index + 1}`) throw new Error(`row ${index} is record ${number}`);
      messageIds.push((await row.locator(".message-id").textContent()).trim());
    }
    if (messageIds.some((id) => id.length < 10) || new Set(messageIds).size !== 3) throw new Error(`message ids: ${messageIds}`);
    // The Agent's answers join the list: each record's row shows its message id, and the list filters by fate.
    for (let index = 0; index < 3; index += 1) {
      const fate = page.locator(`#list-viewport .record-row[data-record="${index + 1}"] .fate.imported`);
      await waitUntil(page, `record ${index + 1}'s message id in the list`, async () => (await textOf(page, `#list-viewport .record-row[data-record="${index + 1}"] .fate.imported`)) === `imported · ${messageIds[index]}`);
      await expectCount(fate, 1);
    }
    await page.locator("#list-fate").selectOption("rejected");
    await waitUntil(page, "no rejected record listed", async () => (await textOf(page, "#list-count")).startsWith("0 records listed"));
    await page.locator("#list-fate").selectOption("imported");
    await waitUntil(page, "the imported records listed", async () => (await textOf(page, "#list-count")).startsWith("3 records listed"));
    await page.locator('#list-viewport .record-row[data-record="2"]').click();
    await waitUntil(page, "the record view's fate", async () => (await textOf(page, "#record-fate")) === `Import: imported · ${messageIds[1]}`);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "import-completed.png"), fullPage: true });
    const csv = await download(page, () => page.locator("#download-csv").click());
    if (csv.name !== "ferry-report.csv" || messageIds.some((id) => !csv.text.includes(id))) {
      throw new Error(`the CSV report ${csv.name} lacks the message ids`);
    }
    const json = await download(page, () => page.locator("#download-json").click());
    const fates = JSON.parse(json.text).records.filter((fate) => (fate.originalMessageId ?? "").startsWith(prefix));
    if (fates.length !== 3 || fates.some((fate) => fate.state !== "imported")) throw new Error(`JSON report: ${JSON.stringify(fates)}`);
  }],
  ["the pre-flight's refusal joins the record it concerns, and what did not import is exported as a batch", async (page) => {
    await page.goto(appUrl());
    const prefix = uniquePrefix("preflight");
    // Record 2 (index 1) is sent by a user the pod does not know.
    await dropFile(page, "#drop-zone", "preflight.ndjson", demoBatch(3, prefix, (index) => (index === 1 ? UNKNOWN_USER : ALICE)));
    await waitUntil(page, "the plan", async () => (await textOf(page, "#plan-uploads")).startsWith("1, 3 records"));
    await page.locator("#approve").click();
    await waitUntil(page, "the batch taken in", async () => (await textOf(page, "#upload-line")).startsWith("Checked against the pod"));
    const finding = page.locator("#server-findings li", { has: page.locator("code.code", { hasText: "POD002" }) });
    await expectCount(finding, 1);
    const record = await finding.locator(".record-index").textContent();
    if (record.trim() !== "#2") throw new Error(`POD002 is shown on record ${record}, expected #2`);
    // The pod's finding joins the record in the list (an error now, led by POD002) and in its view.
    const listed = page.locator('#list-viewport .record-row[data-record="2"]');
    await waitUntil(page, "POD002 on record 2's row", async () => (await listed.count()) === 1 && (await textOf(page, '#list-viewport .record-row[data-record="2"] .code')) === "POD002");
    await expectCount(page.locator('#list-viewport .record-row[data-record="2"] .badge.error'), 1);
    await page.locator("#list-search").fill("POD002");
    await waitUntil(page, "the search finds the pod's finding", async () => (await textOf(page, "#list-count")).startsWith("1 record listed"));
    await listed.click();
    await expectCount(page.locator(".record-view-findings code.code", { hasText: "POD002" }), 1);
    await waitUntil(page, "the refused record's fate", async () => (await page.locator("#batch-fates tr.fate.excluded").count()) === 1);
    const exported = await download(page, () => page.locator("#export-not-imported").click());
    const records = exported.text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
    if (records.length !== 1 || records[0].originalMessageId !== `${prefix}-1`) {
      throw new Error(`exported: ${exported.text.slice(0, 300)}`);
    }
  }],
  ["pause, resume and cancel a run; the page then continues it to its end", async (page) => {
    await page.goto(appUrl());
    await startLargeImport(page, 40_000, "controls");
    await page.locator("#pause-run").click();
    await waitForRunState(page, "paused");
    await page.locator("#resume-run").click();
    await waitForRunState(page, "importing");
    await page.locator("#cancel-run").click();
    await waitForRunState(page, "stopped", IMPORT_TIMEOUT_MS);
    await page.locator("#continue-import").click();
    await waitForRunState(page, "completed", IMPORT_TIMEOUT_MS);
    await waitUntil(page, "the journal's counts once the run ended", async () => (await textOf(page, "#server-status")).endsWith(" 0 waiting to be sent."));
  }],
  ["a run survives the server killed mid-import: started again on the same journal, the page continues it, each message once", async (page) => {
    if (!process.env.FERRY_BIN) {
      console.log("    skipped: FERRY_BIN is not set (the test starts and kills a server of its own)");
      return;
    }
    const count = 40_000;
    const folder = mkdtempSync(join(tmpdir(), "ferry-e2e-restart-"));
    let server = await startServer(folder);
    try {
      // The first server's page is a page of its own: once the server is killed, its polls fail, as they should.
      const firstPage = await page.context().newPage();
      await firstPage.goto(server.app);
      const timings = await startLargeImport(firstPage, count, "restart");
      // A reload mid-run shows the run's own progress (GET /runs/current), not only the journal's counts.
      await firstPage.reload();
      await waitUntil(firstPage, "the live run after a reload", async () => {
        const run = await runCounts(firstPage);
        return (await textOf(firstPage, "#run-state")) === "importing" && run.recordsTotal === count && run.requestsDone >= 1 && run.requestsDone < run.requestsTotal;
      });
      await server.stop();
      await firstPage.close();

      server = await startServer(folder);
      const before = await getJson(server.origin, "/api/v1/status", server.token);
      const waiting = before.counts.planned + before.counts.inFlight;
      if (!(waiting > 0 && waiting < count)) throw new Error(`after the restart ${waiting} records wait`);
      await page.goto(server.app);
      // The restarted server ran nothing yet: the page offers to continue with the journal's waiting records.
      // The number the page offers is the journal's when the page asked: it may have moved since `before` (the
      // server settles what it finds in flight), but never to nothing or to the whole batch.
      let offered = 0;
      await waitUntil(page, "the offer to continue", async () => {
        const match = /^Continue the import \(([\d,]+) waiting\)$/.exec(await textOf(page, "#continue-import"));
        offered = match ? Number(match[1].replaceAll(",", "")) : 0;
        return offered > 0 && offered < count;
      });
      console.log(`    after the restart: ${waiting} waiting by /status, ${offered} offered by the page`);
      await expectCount(page.locator("#run"), 0);
      const continued = Date.now();
      await page.locator("#continue-import").click();
      // The continued run's own progress: only the records that were waiting, not the whole batch again.
      await waitUntil(page, "the continued run's progress", async () => {
        const run = await runCounts(page);
        return run.recordsTotal > 0 && run.recordsTotal <= Math.max(waiting, offered);
      });
      await waitForRunState(page, "completed", IMPORT_TIMEOUT_MS);
      console.log(`    ${count} records: checked and planned in ${timings.checkMs} ms, posted in ${count / 5_000} batches (intake and pre-flight) in ${timings.approveMs} ms; after the restart ${waiting} waiting, imported in ${Date.now() - continued} ms`);
      await waitUntil(page, "the journal's counts once the run ended", async () => (await textOf(page, "#server-status")).endsWith(" 0 waiting to be sent."));
      await expectCount(page.locator("#continue-import"), 0);
      await page.screenshot({ path: join(SCREENSHOT_DIR, "import-resumed.png"), fullPage: true });

      const after = await getJson(server.origin, "/api/v1/status", server.token);
      const imported = after.counts.imported + after.counts.alreadyImported;
      if (imported !== count || after.counts.planned + after.counts.inFlight !== 0) {
        throw new Error(`the journal after the resumed run: ${JSON.stringify(after.counts)}`);
      }
      const stats = await getJson(server.sandbox, "/sandbox/v1/stats", server.token);
      // The demo dataset holds no message: every stored message is one of the batch's, and the sandbox keeps
      // one message per (originatingSystemId, originalMessageId).
      if (stats.messagesStored !== count) throw new Error(`the sandbox holds ${stats.messagesStored} messages, expected ${count}`);
    } finally {
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  }],
];
