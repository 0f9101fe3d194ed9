// Accessibility, checked by axe-core in the real browser on each state of the page a user works in.

import { TIMEOUT_MS, appUrl, expectAccessible } from "../lib.mjs";

export const tests = [
  ["the empty page has no serious accessibility violation", async (page) => {
    await page.goto(appUrl());
    await page.locator("#drop-zone").waitFor({ timeout: TIMEOUT_MS });
    await expectAccessible(page, "the empty page");
  }],
];
