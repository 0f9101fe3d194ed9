// The page never freezes while a large batch is checked: the check runs in a worker, and what the page does
// with its results (decoding the worker's replies, drawing the summary, then the list) comes in tasks of at
// most 50 ms. The batch is the bench's 100,000 generated messages (about 96 MB), written by the test run
// (`cargo xtask test`) and passed in FERRY_BENCH_BATCH; without it the test says it is skipped.

import { appUrl } from "../lib.mjs";
import { timeCheck } from "../timing.mjs";

/** The generator's fixed "now" (xtask/src/gen.rs `NOW_MILLIS`), so the counts are those of `ferry check --now`. */
const GENERATOR_NOW_MILLIS = 1_767_225_600_000;

/** The longest main-thread task allowed while a batch is checked, in milliseconds. */
const LONGEST_TASK_MS = 50;

const batch = process.env.FERRY_BENCH_BATCH;

/** The tests, in order; each gets a fresh page. */
export const tests = batch
  ? [
    [`checking the 100,000-message bench batch leaves no main-thread task over ${LONGEST_TASK_MS} ms`, async (page) => {
      const { checkMillis, records, longTasks } = await timeCheck(page, appUrl(), batch, GENERATOR_NOW_MILLIS);
      const longest = Math.max(0, ...longTasks);
      console.log(`    checked ${records} records in ${(checkMillis / 1000).toFixed(2)} s in the page; longest main-thread task ${longest.toFixed(0)} ms (${longTasks.length} over 50 ms)`);
      if (records !== "100,000") throw new Error(`the page shows ${records} records, expected 100,000`);
      if (longest > LONGEST_TASK_MS) {
        throw new Error(`main-thread tasks over ${LONGEST_TASK_MS} ms: ${longTasks.map((duration) => duration.toFixed(0)).join(", ")} ms`);
      }
    }],
  ]
  : [];

if (!batch) console.log("skipped - the long-task test: FERRY_BENCH_BATCH is not set");
