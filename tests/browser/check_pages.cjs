// Load reviewer HTML pages in headless Chromium and report what a reader would get.
//
// usage: node check_pages.cjs <chromium executable> <tools/browser folder> <page.html>...
// Prints one JSON object: {pages: [{file, requests, external, failed, consoleErrors,
// tables, visibleTables, images, visibleImages, imagesWithoutAlt, brokenAnchors, captionsBeyondView,
// title}]}.
// Every request that is not file: or data: is aborted and reported as external, so a
// page that needs the network fails the check even on a machine that has network.
"use strict";
const path = require("path");
const { createRequire } = require("module");

const [chromiumPath, toolsDir, ...files] = process.argv.slice(2);
const requireTools = createRequire(path.join(path.resolve(toolsDir), "package.json"));
const { chromium } = requireTools("playwright-core");

(async () => {
  const browser = await chromium.launch({
    timeout: 300000,  // a loaded 2-core CI machine can be slow to start Chromium
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           "--disable-default-apps"],
  });
  const out = [];
  try {
    for (const file of files) {
      const context = await browser.newContext({ offline: true, javaScriptEnabled: true });
      const page = await context.newPage();
      const rec = { file, requests: [], external: [], failed: [], consoleErrors: [] };
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
        rec.external.push(url);
        return route.abort();
      });
      page.on("request", (r) => rec.requests.push(r.url()));
      page.on("requestfailed", (r) => rec.failed.push(`${r.url()} ${r.failure() && r.failure().errorText}`));
      page.on("console", (m) => { if (m.type() === "error") rec.consoleErrors.push(m.text()); });
      page.on("pageerror", (e) => rec.consoleErrors.push(String(e)));
      page.setDefaultTimeout(300000);
      await page.goto("file://" + path.resolve(file), { waitUntil: "load", timeout: 300000 });
      Object.assign(rec, await page.evaluate(() => {
        const visible = (el) => {
          const r = el.getBoundingClientRect();
          const s = getComputedStyle(el);
          return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
        };
        const tables = [...document.querySelectorAll("table")];
        const imgs = [...document.querySelectorAll("img")];
        const anchors = [...document.querySelectorAll('a[href^="#"]')];
        return {
          title: document.title,
          tables: tables.length,
          visibleTables: tables.filter(visible).length,
          images: imgs.length,
          visibleImages: imgs.filter((i) => visible(i) && i.complete && i.naturalWidth > 0).length,
          imagesWithoutAlt: imgs.filter((i) => !(i.getAttribute("alt") || "").trim()).length,
          brokenAnchors: anchors.map((a) => decodeURIComponent(a.getAttribute("href").slice(1)))
            .filter((id) => id && !document.getElementById(id)),
          // a caption a reader can read only by scrolling sideways (its right edge past the page's)
          captionsBeyondView: [...document.querySelectorAll("caption")]
            .filter((c) => visible(c) && c.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length,
        };
      }));
      out.push(rec);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify({ pages: out }) + "\n");
})().catch((e) => { console.error(e && e.stack || String(e)); process.exit(2); });
