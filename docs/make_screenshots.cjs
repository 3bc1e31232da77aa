// Screenshots for the README: the top of the appendix and of a reviewer page.
// Usage (after `make cycle` and `make browser-tools`):
//   node docs/make_screenshots.cjs /usr/bin/chromium outputs/2009/publish/appendix.html \
//        outputs/2009/html/initial_vs_extended.html docs/img
const path = require("path");
const { chromium } = require(path.resolve(__dirname, "../tools/browser/node_modules/playwright-core"));

(async () => {
  const [exe, appendix, reviewer, outDir] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: exe, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 1000 } });
  const page = await context.newPage();
  await page.goto("file://" + path.resolve(appendix), { waitUntil: "load" });
  await page.screenshot({ path: path.join(outDir, "appendix_top.png") });
  await page.goto("file://" + path.resolve(reviewer), { waitUntil: "load" });
  // past the provenance banner, to the findings and the first table
  await page.evaluate(() => {
    const h = [...document.querySelectorAll("h2")].find((e) => e.textContent.includes("Main findings"));
    if (h) h.scrollIntoView();
  });
  await page.screenshot({ path: path.join(outDir, "reviewer_page.png") });
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
