// Times the check of a batch file in the page and watches the page's thread while it runs.
//
// Used by the long-task test (suites/perf.mjs) and by `cargo xtask bench`, which runs this file directly:
//
//   node tests/e2e/timing.mjs URL BATCH_PATH NOW_MILLIS RUNS
//
// prints one line per run and a last line `web-check: seconds=S records=N longest_task_ms=L` for the fastest
// run. The check time runs from the file input's `change` event to the moment the record count is shown (the
// worker has checked every byte and the page has rendered the summary and the list), measured with the page's
// own clock. Long tasks are seen by a PerformanceObserver of type "longtask", which reports every task of the
// page's thread over 50 ms.

import { pathToFileURL } from "node:url";

import { TIMEOUT_MS } from "./lib.mjs";

/** `YYYY-MM-DDTHH:MM:SS` of a millisecond timestamp, in UTC: the value of the `now` option's input. */
function nowInputValue(millis) {
  return new Date(millis).toISOString().slice(0, 19);
}

/**
 * Opens `url` in `page`, sets the `now` option to `nowMillis`, picks `path` with the file input and waits
 * (up to `timeoutMs`) until the batch is shown. Returns the check's duration in milliseconds, the record count
 * shown, and the long tasks seen (durations in milliseconds) from the pick to the end.
 */
export async function timeCheck(page, url, path, nowMillis, timeoutMs = 10 * TIMEOUT_MS) {
  await page.goto(url);
  await page.locator("#option-now").fill(nowInputValue(nowMillis));
  await page.locator("#option-now").dispatchEvent("change");
  await page.evaluate(() => {
    window.__ferryLongTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) { window.__ferryLongTasks.push(entry.duration); console.log("longtask", entry.startTime - (window.__ferryPicked ?? 0), entry.duration); }
    }).observe({ type: "longtask" });
    window.__ferryPicked = undefined;
    document.addEventListener("change", () => { window.__ferryPicked ??= performance.now(); }, { capture: true });
  });
  await page.locator("#file-input").setInputFiles(path);
  const handle = await page.waitForFunction(() => {
    const count = document.querySelector("#record-count");
    return count && document.querySelector("#list-count") ? performance.now() : null;
  }, null, { polling: "raf", timeout: timeoutMs });
  const shownAt = await handle.jsonValue();
  // Two more frames, so a task the first render queued is over and observed.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const { pickedAt, longTasks, records } = await page.evaluate(() => ({
    pickedAt: window.__ferryPicked,
    longTasks: window.__ferryLongTasks,
    records: document.querySelector("#record-count").textContent.trim(),
  }));
  return { checkMillis: shownAt - pickedAt, records, longTasks };
}

async function main() {
  const [url, path, nowMillis, runs = "3"] = process.argv.slice(2);
  if (!url || !path || !nowMillis) {
    console.error("usage: node tests/e2e/timing.mjs URL BATCH_PATH NOW_MILLIS [RUNS]");
    process.exit(2);
  }
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1280,800"],
  });
  try {
    let fastest;
    for (let run = 1; run <= Number(runs); run += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const result = await timeCheck(page, url, path, Number(nowMillis));
      await context.close();
      const longest = Math.max(0, ...result.longTasks);
      console.log(`run ${run}: ${(result.checkMillis / 1000).toFixed(3)} s, ${result.records} records, longest task ${longest.toFixed(0)} ms`);
      if (!fastest || result.checkMillis < fastest.checkMillis) fastest = { ...result, longest };
    }
    console.log(`web-check: seconds=${(fastest.checkMillis / 1000).toFixed(3)} records=${fastest.records.replaceAll(",", "")} longest_task_ms=${fastest.longest.toFixed(0)}`);
  } finally {
    await browser.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(`web-check failed: ${error?.stack ?? error}`);
    process.exit(1);
  });
}
