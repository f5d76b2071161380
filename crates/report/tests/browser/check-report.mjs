// Opens report.html files in Debian's Chromium (playwright-core 1.64, the one crates/server/web
// installs) at desktop and phone width, offline, and records what it saw: console messages, page errors, requests, the page's width against the
// viewport, and a full-page screenshot of each. Usage:
//   node check-report.mjs <SCREENSHOTS_DIR> <name>=<report.html> …
// Prints one JSON object; crates/core/tests/report_page.rs asserts on it. Missing parts throw.
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const modules = process.env.PLAYWRIGHT_CORE_DIR ?? resolve(import.meta.dirname, "../../../server/web/node_modules/playwright-core");
const { chromium } = require(modules);

const [shots, ...pages] = process.argv.slice(2);
if (!shots || pages.length === 0) throw new Error("usage: check-report.mjs <SCREENSHOTS_DIR> <name>=<report.html> …");
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium" });
const result = {};
try {
  for (const spec of pages) {
    const [name, file] = spec.split("=");
    const url = pathToFileURL(resolve(file)).href;
    for (const [width, label] of [[1280, "desktop"], [390, "phone"]]) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, offline: true });
      const page = await context.newPage();
      const seen = { console: [], errors: [], requests: [] };
      page.on("console", (m) => seen.console.push(`${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => seen.errors.push(String(e)));
      // The page's Content-Security-Policy refuses any other request (a refusal is a console
      // error); a request the browser does make is listed here.
      page.on("request", (r) => r.url() !== url && seen.requests.push(r.url()));
      await page.goto(url, { waitUntil: "load", timeout: 30_000 });
      // A click on a moment in the transcript lane lands on that transcript segment.
      const link = page.locator("svg a[href^='#seg-']").first();
      let jumped = null;
      if ((await link.count()) > 0 && label === "desktop") {
        const target = await link.getAttribute("href");
        await link.click();
        await page.waitForFunction((t) => location.hash === t, target, { timeout: 5_000 });
        jumped = await page.evaluate(() => document.querySelector(":target")?.id ?? null);
      }
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        // What sticks out past the viewport, to say where a layout breaks.
        overflowing: [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-wrap"))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className?.baseVal ?? e.className}`),
        sections: [...document.querySelectorAll("main > section, main > header")].map((s) => s.id || s.tagName.toLowerCase()),
        title: document.title,
      }));
      const screenshot = join(shots, `${name}-${label}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      result[`${name}-${label}`] = { ...seen, ...layout, width, jumped, screenshot };
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
