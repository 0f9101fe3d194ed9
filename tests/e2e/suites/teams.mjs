// Microsoft Teams as the target: the Teams fixture (tests/fixtures/teams/) and one hostile record are dropped,
// the target switched to Teams (which checks again), the maps loaded (a refused map shows its line); the
// same-millisecond pair is a TEAMS001 finding whose +1 ms fix is applied and checked again; a record's Teams
// preview shows its mention highlighted with the Entra user's name and its inline image from the record's own
// bytes; the hostile record's preview runs nothing; the plan lists the Graph requests per conversation; without a
// Graph at the server the upload is disabled and says why; into the fixture's sandbox Graph (as a tenant's, through
// teams.yaml) the batch is uploaded and imported, every conversation completed.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import {
  REPOSITORY_ROOT, SCREENSHOT_DIR, TIMEOUT_MS, appUrl, assertNotPwned, dropFile, expectAccessible, expectCount,
  expectText,
} from "../lib.mjs";

const FIXTURE = join(REPOSITORY_ROOT, "tests", "fixtures", "teams");
const BATCH = readFileSync(join(FIXTURE, "batch.ndjson"), "utf8").trimEnd();
const GENERAL_STREAM = "kX3v9QmZ2pLr8TnY4wHc1eB7sJdF0gAa5o";
// Record 41: markup that would run if the preview were HTML, in the general channel after every other message.
const HOSTILE = JSON.stringify({
  message:
    '<messageML>Hi <script>window.__ferryPwned = "script"</script>' +
    '<img src="x" onerror="window.__ferryPwned = \'onerror\'"/> ' +
    '<a href="javascript:window.__ferryPwned = \'link\'">click me</a></messageML>',
  intendedMessageTimestamp: 1583280000000,
  intendedMessageFromUserId: 7215545057401,
  originatingSystemId: "legacychat",
  originalMessageId: "lc-hostile",
  streamId: GENERAL_STREAM,
});
const TEAMS_BATCH = `${BATCH}\n${HOSTILE}\n`;

/** The number (from 1) of the fixture's first record whose message contains `text`. */
function recordWith(text) {
  const index = TEAMS_BATCH.split("\n").findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`no record of the fixture contains ${text}`);
  return index + 1;
}

/** Opens record `number` (from 1) from the list: every group unfolded, the list scrolled until its row is drawn. */
async function openRecord(page, number) {
  const row = page.locator(`#list-viewport .record-row[data-record="${number}"]`);
  const viewport = page.locator("#list-viewport");
  await page.locator(".record-row").first().waitFor({ timeout: TIMEOUT_MS });
  const deadline = Date.now() + TIMEOUT_MS;
  await viewport.evaluate((element) => { element.scrollTop = 0; });
  while ((await row.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`record ${number} is not in the list`);
    const folded = page.locator('#list-viewport .group-row[aria-expanded="false"]');
    if ((await folded.count()) > 0) {
      await folded.first().click();
      continue;
    }
    const atEnd = await viewport.evaluate((element) => {
      const before = element.scrollTop;
      element.scrollTop += element.clientHeight / 2;
      return element.scrollTop === before;
    });
    if (atEnd) await viewport.evaluate((element) => { element.scrollTop = 0; });
    await page.waitForFunction(() => true, null, { polling: "raf", timeout: TIMEOUT_MS });
  }
  // The list draws the rows of a scroll a frame later: the row is clicked once the rows hold still, and again if
  // the click met the row that was there before.
  const title = page.locator("#record-view-title");
  for (let attempt = 0; attempt < 3; attempt += 1) {
    await page.waitForFunction(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)))), null, { timeout: TIMEOUT_MS });
    await row.click();
    await title.waitFor({ timeout: TIMEOUT_MS });
    if ((await title.textContent()).trim() === `Record #${number}`) break;
  }
  await expectText(title, `Record #${number}`);
  return page.locator("#record-view");
}

/** Drops `batch` at `url`, switches to Teams and loads both maps; waits for the check with the maps. */
async function checkForTeams(page, url = appUrl(), batch = TEAMS_BATCH) {
  await page.goto(url);
  await dropFile(page, "#drop-zone", "teams.ndjson", batch);
  await expectText(page.locator("#record-count"), String(batch.trimEnd().split("\n").length));
  await page.locator("#option-target").selectOption("teams");
  // Choosing Teams checks again: the plan becomes the Teams plan, and the maps are said to be off.
  await page.locator("#teams-plan-totals").waitFor({ timeout: TIMEOUT_MS });
  const status = page.locator("#teams-maps-status");
  if (!(await status.textContent()).startsWith("Mapping checks are off")) throw new Error(`maps status: ${await status.textContent()}`);
  // Without maps, the plan names the Symphony streams.
  await expectText(page.locator("#teams-plan-table th").first(), "Stream (no maps loaded)");

  // A map the reader refuses is shown with its line, and changes nothing.
  await page.locator("#teams-users").setInputFiles({
    name: "users.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("symphonyUserId,entraUserId,displayName\n7215545057401,not-a-guid,Alice\n"),
  });
  const problem = page.locator("#teams-maps-problem");
  await problem.waitFor({ timeout: TIMEOUT_MS });
  const refused = await problem.textContent();
  if (!refused.startsWith("users.csv: line 2: entraUserId `not-a-guid`")) throw new Error(`refused map: ${refused}`);

  await page.locator("#teams-users").setInputFiles(join(FIXTURE, "users.csv"));
  await expectText(status, "Mapping checks are off until streams.csv is loaded too.");
  await page.locator("#teams-streams").setInputFiles(join(FIXTURE, "streams.csv"));
  try {
    await expectText(status, "Mapping checks on: 4 users from users.csv, 3 streams from streams.csv.");
  } catch (error) {
    const shown = (await problem.count()) > 0 ? await problem.textContent() : "no problem shown";
    await page.screenshot({ path: join(SCREENSHOT_DIR, "teams-maps-failed.png"), fullPage: true });
    throw new Error(`${error.message} (${shown})`);
  }
  await expectCount(problem, 0);
  // Loading the second map checked again: the plan now names the Teams conversations.
  await expectText(page.locator("#teams-plan-table th").first(), "Conversation");
}

/**
 * Starts `FERRY_BIN args...` and resolves with the first address a line of its output matching `pattern` gives;
 * its log (standard error) is shown unless `quiet`.
 */
async function startFerry(args, pattern, quiet = false) {
  const stdio = ["ignore", "pipe", quiet ? "ignore" : "inherit"];
  const child = spawn(process.env.FERRY_BIN, args, { cwd: REPOSITORY_ROOT, stdio });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ferry ${args[0]} printed no address in time`)), TIMEOUT_MS);
    child.once("exit", (code) => reject(new Error(`ferry ${args[0]} exited with ${code} before printing its address`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const found = line.match(pattern);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
  });
  return {
    url,
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * Starts the Teams fixture's sandbox (`ferry sandbox --manifest`: its Graph tenant, users, team, channels and chat
 * are those of the maps) and a `ferry serve` importing into that Graph as a tenant (`--teams-config`, the fixture's
 * app); resolves with the page's address and `stop()`. FERRY_DIST, when set, is the app `ferry serve` serves (a
 * binary built without the app embedded).
 */
async function startTeamsServers() {
  const sandbox = await startFerry(
    ["sandbox", "--port", "0", "--memory", "--manifest", join(FIXTURE, "sandbox.json")],
    /^listening on (http:\/\/127\.0\.0\.1:\d+)/,
    // The simulated Graph logs every message it stores.
    true,
  );
  const folder = mkdtempSync(join(tmpdir(), "ferry-e2e-teams-"));
  const manifest = JSON.parse(readFileSync(join(FIXTURE, "sandbox.json"), "utf8")).graph;
  const config = join(folder, "teams.yaml");
  writeFileSync(config, JSON.stringify({
    tenantId: manifest.tenantId,
    clientId: manifest.apps[0].clientId,
    clientSecret: manifest.apps[0].clientSecret,
    graphUrl: `${sandbox.url}/graph/v1.0`,
    tokenUrl: `${sandbox.url}/oauth/${manifest.tenantId}/oauth2/v2.0/token`,
  }));
  const args = ["serve", "--port", "0", "--memory", "--teams-config", config];
  if (process.env.FERRY_DIST) args.push("--dist", process.env.FERRY_DIST);
  let app;
  try {
    app = await startFerry(args, /^Ferry is running at (http:\/\/\S+)/);
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  return {
    url: app.url,
    async stop() {
      await app.stop();
      await sandbox.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The tests, in order; each gets a fresh page. */
export const tests = [
  ["teams: the maps load, the same-millisecond pair is TEAMS001, and its +1 ms fix is applied and checked again", async (page) => {
    await checkForTeams(page);
    const rule = page.locator(".rule-table button.code", { hasText: "TEAMS001" });
    await rule.waitFor({ timeout: TIMEOUT_MS });
    // The second message at 2020-03-02 13:00:00.000 in the general channel has the finding.
    const rows = page.locator('#list-viewport .record-row', { has: page.locator(".code", { hasText: "TEAMS001" }) });
    await expectCount(rows, 1);
    const number = Number(await rows.first().getAttribute("data-record"));
    const view = await openRecord(page, number);
    const finding = view.locator(".finding", { has: page.locator(".finding-code", { hasText: "TEAMS001" }) });
    await finding.waitFor({ timeout: TIMEOUT_MS });
    const title = await finding.locator(".fix-title").textContent();
    if (title !== "Fix offered: Move the message 1 ms later, to 1583154000001") throw new Error(`TEAMS001 fix: ${title}`);
    await finding.locator("button.fix-apply").click();
    await view.locator(".record-view-fixed").waitFor({ timeout: TIMEOUT_MS });
    await expectCount(view.locator(".finding", { has: page.locator(".finding-code", { hasText: "TEAMS001" }) }), 0);
    await expectCount(page.locator(`#list-viewport .record-row[data-record="${number}"] .code`, { hasText: "TEAMS001" }), 0);
    await expectCount(page.locator(".fix-log li", { hasText: `Record ${number}, TEAMS001: Move the message 1 ms later` }), 1);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "teams-fix.png"), fullPage: true });
  }],
  ["teams: a record's preview shows the mention as the Entra user, the inline image and what is not carried over", async (page) => {
    await checkForTeams(page);
    let view = await openRecord(page, recordWith("Thanks <mention uid=\\\"7215545057401\\\"/>"));
    await expectText(view.locator("#record-preview-title"), "Preview in Teams");
    await expectText(view.locator(".teams-preview .preview-mention"), "Alice Martin");
    await expectText(view.locator(".teams-mention").first(), "Alice Martin is Alice Martin (5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60) in Teams");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "teams-preview-mention.png"), fullPage: true });
    await expectAccessible(page, "the Teams maps, plan, import panel and a record's Teams preview");
    await page.locator("#close-record").click();

    view = await openRecord(page, recordWith("architecture.png"));
    const image = view.locator(".teams-preview img.preview-image");
    await image.waitFor({ timeout: TIMEOUT_MS });
    const source = await image.getAttribute("src");
    if (!source.startsWith("data:image/png;base64,")) throw new Error(`inline image source ${source.slice(0, 40)}`);
    await page.locator("#close-record").click();

    view = await openRecord(page, recordWith("q3-report.pdf"));
    const loss = view.locator(".teams-loss", { hasText: "q3-report.pdf" });
    await loss.waitFor({ timeout: TIMEOUT_MS });
    await page.screenshot({ path: join(SCREENSHOT_DIR, "teams-preview-loss.png"), fullPage: true });
  }],
  ["teams: a hostile record's preview stays inert, also after its links are clicked", async (page) => {
    await checkForTeams(page);
    const view = await openRecord(page, 41);
    const preview = view.locator(".teams-preview");
    await preview.waitFor({ timeout: TIMEOUT_MS });
    await expectCount(preview.locator("script, img, iframe, [onerror], [onclick]"), 0);
    await expectCount(preview.locator('a[href^="javascript" i], a[href^="data" i]'), 0);
    for (const link of await preview.locator("a, .preview-link").all()) await link.click();
    await assertNotPwned(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "teams-preview-hostile.png"), fullPage: true });
  }],
  ["teams: the plan lists the Graph requests per conversation and the duration at 5 requests per second", async (page) => {
    await checkForTeams(page);
    const totals = (await page.locator("#teams-plan-totals").textContent()).trim();
    if (!/^\d+ messages into 3 conversations: \d+ Graph requests \(\d+ left out for errors\), about .+ with the conversations in parallel \(.+ one at a time\)\.$/.test(totals)) {
      throw new Error(`plan totals: ${totals}`);
    }
    const rows = page.locator("#teams-plan-table tbody tr");
    await expectCount(rows, 3);
    const names = await page.locator("#teams-plan-table tbody tr td:first-child").allTextContents();
    for (const expected of [
      "/teams/2a7b9c4d-6e1f-4a3b-8c5d-9e0f1a2b3c4d/channels/19%3Ageneral0a1b2c3d4e5f60718293a4b5c6%40thread.tacv2",
      "/teams/2a7b9c4d-6e1f-4a3b-8c5d-9e0f1a2b3c4d/channels/19%3Areleases9f8e7d6c5b4a39281706f5e4d3%40thread.tacv2",
      "/chats/19%3A4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f%40thread.v2",
    ]) {
      if (!names.includes(expected)) throw new Error(`the plan does not list ${expected}: ${names.join(" | ")}`);
    }
    // Each conversation: its messages, plus startMigration and completeMigration.
    for (const row of await rows.all()) {
      const [messages, requests] = (await row.locator("td.number").allTextContents()).map((text) => Number(text.replaceAll(",", "")));
      if (requests !== messages + 2) throw new Error(`a conversation of ${messages} messages takes ${requests} requests`);
    }
    // This server has no Graph (no manifest with a graph section): the upload is disabled and says why; the
    // command line is there.
    await expectText(page.locator("#teams-server-status"), "Graph: none. Teams journal: 0 imported, 0 failed, 0 excluded, 0 waiting to be sent.");
    const why = await page.locator("#teams-upload-unavailable").textContent();
    if (!why.startsWith("`ferry serve` has no Graph to import into")) throw new Error(`upload unavailable: ${why}`);
    if (!(await page.locator("#teams-upload").isDisabled())) throw new Error("the Teams upload button is enabled");
    await expectText(
      page.locator("#teams-import-command"),
      "ferry import teams.ndjson --target teams --config teams.yaml --users users.csv --streams streams.csv --apply",
    );
    await page.screenshot({ path: join(SCREENSHOT_DIR, "teams-plan.png"), fullPage: true });
  }],
  ["teams: the batch uploads through ferry serve into the sandbox's Graph and every conversation completes", async (page) => {
    if (!process.env.FERRY_BIN) {
      console.log("    skipped: FERRY_BIN is not set (the test starts a server with the Teams fixture's sandbox)");
      return;
    }
    const server = await startTeamsServers();
    try {
      await checkForTeams(page, server.url, `${BATCH}\n`);
      await expectText(page.locator("#teams-server-status"), "Graph: tenant. Teams journal: 0 imported, 0 failed, 0 excluded, 0 waiting to be sent.");
      const upload = page.locator("#teams-upload");
      await page.waitForFunction(() => !document.querySelector("#teams-upload")?.disabled, null, { timeout: TIMEOUT_MS });
      await upload.click();
      const taken = page.locator("#teams-taken");
      await taken.waitFor({ timeout: TIMEOUT_MS });
      // Every record is converted; the same-millisecond pair is moved 1 ms by the server, not refused.
      await expectText(taken, "Taken in: 40 planned, 0 refused by the checks, 0 already imported, 0 not converted.");
      const plan = await page.locator("#teams-server-plan").textContent();
      if (!plan.startsWith("The server's plan: 40 messages into 3 conversations, 46 Graph requests")) throw new Error(`server plan: ${plan}`);
      await page.locator("#teams-run").click();
      const rows = page.locator("#teams-run-conversations .teams-run-row");
      await rows.first().waitFor({ timeout: 4 * TIMEOUT_MS });
      await expectCount(rows, 3);
      const ends = await page.locator("#teams-run-conversations .teams-run-end").allTextContents();
      if (ends.some((end) => end !== "completed")) throw new Error(`conversation ends: ${ends.join(", ")}`);
      const progress = await page.locator("#teams-run-progress").textContent();
      if (!progress.startsWith("Import completed: 40 of 40 messages done, 40 imported")) throw new Error(`run: ${progress}`);
      // The server's Teams journal agrees once the run has ended.
      await expectText(page.locator("#teams-server-status"), "Graph: tenant. Teams journal: 40 imported, 0 failed, 0 excluded, 0 waiting to be sent.");
      await page.screenshot({ path: join(SCREENSHOT_DIR, "teams-imported.png"), fullPage: true });
    } finally {
      await server.stop();
    }
  }],
];
