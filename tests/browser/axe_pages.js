// axe-core (WCAG 2.2 AA + best practice) on many HTML pages in one headless Chromium.
// Usage: node axe_pages.js <chromium path> <user-data-dir> <page.html>...
// Prints JSON {pages: [{file, violations: [{id, impact, nodes}], passes, external}]}; every
// request other than file: and data: is aborted and reported, so pages render offline.
const path = require("path");
const modules = path.resolve(__dirname, "../../tools/browser/node_modules");
const { chromium } = require(path.join(modules, "playwright-core"));
const axeSource = require("fs").readFileSync(path.join(modules, "axe-core", "axe.min.js"), "utf8");

(async () => {
  const [exe, userDir, ...files] = process.argv.slice(2);
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: exe, headless: true, timeout: 300000, bypassCSP: true,  // to inject axe
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(300000);
  let external = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
    external.push(url);
    return route.abort();
  });
  const pages = [];
  for (const file of files) {
    external = [];
    await page.goto("file://" + path.resolve(file), { waitUntil: "load", timeout: 300000 });
    await page.addScriptTag({ content: axeSource });
    const r = await page.evaluate(async () => await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    }));
    pages.push({ file, passes: r.passes.length, external,
                 violations: r.violations.map((v) => ({ id: v.id, impact: v.impact,
                   nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })) });
  }
  console.log(JSON.stringify({ pages }));
  await context.close();
})().catch((e) => { console.error(e); process.exit(1); });
