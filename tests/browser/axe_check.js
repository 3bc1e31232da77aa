// Accessibility and no-network check of one HTML file (used by tests/test_accessibility.py).
// Usage: node axe_check.js <file.html> <chromium path> <user-data-dir>
// Prints JSON: {violations: [{id, impact, help, nodes}], requests: [url...], failed: [url...]}.
// Every request other than the page itself and data: URIs is aborted and reported, so the
// page renders with no network access.
const path = require("path");
const modules = path.resolve(__dirname, "../../tools/browser/node_modules");
const { chromium } = require(path.join(modules, "playwright-core"));
const axeSource = require("fs").readFileSync(path.join(modules, "axe-core", "axe.min.js"), "utf8");

(async () => {
  const [file, exe, userDir] = process.argv.slice(2);
  const pageUrl = "file://" + path.resolve(file);
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: exe, headless: true, timeout: 300000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const requests = [], failed = [];
  const page = context.pages()[0] || await context.newPage();
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === pageUrl || url.startsWith("data:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  page.on("requestfailed", (r) => failed.push(r.url()));
  page.setDefaultTimeout(300000);
  await page.goto(pageUrl, { waitUntil: "load", timeout: 300000 });
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    return await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    });
  });
  const violations = result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
  console.log(JSON.stringify({ violations, requests, failed, passes: result.passes.length }));
  await context.close();
})().catch((e) => { console.error(e && e.stack || String(e)); process.exit(2); });
