// Does every table of the appendix fit its printed page? (used by tests/test_publish_pack.py)
// Usage: node print_fit.js <file.html> <chromium path> <user-data-dir>
// Lays the page out for print at the content width of an A4 page (portrait: 186 mm; tables
// printed on landscape pages, .wide: 273 mm) and prints JSON
// {tables: [{id, wide, width, limit}], repeatedHeaders: bool}.
const path = require("path");
const modules = path.resolve(__dirname, "../../tools/browser/node_modules");
const { chromium } = require(path.join(modules, "playwright-core"));

(async () => {
  const [file, exe, userDir] = process.argv.slice(2);
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: exe, headless: true, timeout: 300000, offline: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(300000);
  await page.emulateMedia({ media: "print" });
  const mm = 96 / 25.4;
  const out = [];
  for (const [wide, widthMm] of [[false, 186], [true, 273]]) {
    await page.setViewportSize({ width: Math.floor(widthMm * mm), height: 1000 });
    await page.goto("file://" + path.resolve(file), { waitUntil: "load", timeout: 300000 });
    const got = await page.evaluate((wide) => [...document.querySelectorAll(".table-wrap")]
      .filter((w) => w.classList.contains("wide") === wide)
      .map((w) => {
        const t = w.querySelector("table");
        return { id: t.getAttribute("data-table-id"), wide, width: t.offsetWidth,
                 limit: document.querySelector("main").clientWidth,
                 header: getComputedStyle(t.querySelector("thead")).display };
      }), wide);
    for (const g of got) out.push(g);
  }
  console.log(JSON.stringify({ tables: out }));
  await context.close();
})().catch((e) => { console.error(e); process.exit(1); });
