// Renders the HTML report in headless Chromium (Debian's `chromium`) and reads it back from the DOM.
// Slow (a browser start), hence *.browser.test.ts; skipped, with the reason, where chromium is missing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import fc from 'fast-check';
import { createHtmlReporter, renderHtml } from './html.ts';
import { exampleRunReport } from './example-run-report.ts';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
const title = missing
  ? `HTML report in Chromium (skipped: ${CHROMIUM} not found; install Debian's chromium)`
  : 'HTML report in Chromium';

describe.skipIf(missing)(title, () => {
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-html-'));
    const file = await createHtmlReporter().write(exampleRunReport(), path.join(dir, 'out'));
    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(pathToFileURL(file).href);
  });

  afterAll(async () => {
    await context?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders: a full-page screenshot of real size', async () => {
    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const size = (await stat(shot)).size;
    expect(size).toBeGreaterThan(20_000); // a blank page is a few KB
    if (process.env.NETPROPS_SCREENSHOT) await copyFile(shot, process.env.NETPROPS_SCREENSHOT);
    expect(await page.title()).toBe('netprops report: model, fault peers-or');
  });

  it('is self-contained: loads nothing but the file itself', () => {
    expect(requested.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(requested).toHaveLength(1);
  });

  it('has one section per property with its status', async () => {
    const sections = await page.$$eval('section.property', (els) => els.map((e) => [e.getAttribute('data-property'), e.getAttribute('data-status')]));
    expect(sections).toEqual([
      ['policy-verdicts', 'failed'],
      ['no-nat-pod-to-pod', 'failed'],
      ['pod-ip-unique', 'passed'],
      ['sctp-reaches-pod', 'skipped'],
    ]);
  });

  it('draws the policy failure as a matrix whose mismatched cells are marked and coloured', async () => {
    const cells = await page.$$eval('table.matrix[data-property="policy-verdicts"] td.cell[data-from]', (els) =>
      els.map((e) => ({
        from: e.getAttribute('data-from'),
        to: e.getAttribute('data-to'),
        expected: e.getAttribute('data-expected'),
        observed: e.getAttribute('data-observed'),
        cls: e.className,
        bg: getComputedStyle(e).backgroundColor,
      })),
    );
    const mismatched = cells.filter((c) => c.cls.includes('cell-mismatch'));
    expect(mismatched.map((c) => [c.from, c.to, c.expected, c.observed]).sort()).toEqual([
      ['x/local', 'svc:x/web:http/TCP', 'deny', 'allow'],
      ['x/local', 'x/web:80/TCP', 'deny', 'allow'],
    ]);
    const ok = cells.filter((c) => c.cls.includes('cell-ok'));
    expect(ok.map((c) => [c.from, c.to]).sort()).toEqual([
      ['node:node-1', 'x/web:53/UDP'],
      ['y/client', 'x/web:80/TCP'],
    ]);
    // the colour is what a person sees: mismatches differ from matching cells
    expect(new Set(mismatched.map((c) => c.bg)).size).toBe(1);
    expect(mismatched[0].bg).not.toBe(ok[0].bg);
    expect(mismatched[0].bg).not.toBe('rgba(0, 0, 0, 0)');
  });

  it('has rows = sources and columns = destinations', async () => {
    const rows = await page.$$eval('table.matrix[data-property="policy-verdicts"] tbody th', (els) => els.map((e) => e.textContent));
    const cols = await page.$$eval('table.matrix[data-property="policy-verdicts"] thead th.mono', (els) => els.map((e) => e.textContent));
    expect(rows).toEqual(['node:node-1', 'x/local', 'y/client']);
    expect(cols).toEqual(['svc:x/web:http/TCP', 'x/web:53/UDP', 'x/web:80/TCP']);
  });

  it('shows no matrix for a failure where reachability was right (no-nat: wrong source address)', async () => {
    expect(await page.$$('table.matrix[data-property="no-nat-pod-to-pod"]')).toHaveLength(0);
    const text = await page.$eval('#property-no-nat-pod-to-pod table.probes', (e) => e.textContent);
    expect(text).toContain('source seen 172.18.0.3');
  });

  it('shows text as text: markup in a message is escaped, not interpreted', async () => {
    const message = await page.$eval('#property-policy-verdicts .message', (e) => e.textContent);
    expect(message).toBe('x/local -> x/web:80/TCP: expected deny, observed delivered (peer "ns=y" & "app=client" <AND>)');
    expect(await page.$$('AND')).toHaveLength(0);
  });

  it('opens the counterexample of a failure as a case file', async () => {
    await page.click('#property-policy-verdicts details.case summary');
    const text = await page.$eval('#property-policy-verdicts details.case pre', (e) => (e as HTMLElement).innerText);
    expect(text).toContain('kind: NetworkPolicy');
    expect(text).toContain('namespaceSelector');
    expect(await page.$eval('#property-policy-verdicts details.case', (e) => (e as HTMLDetailsElement).open)).toBe(true);
  });

  // Last: it replaces the page's content.
  it('shows any text as text: random ids, messages and skip reasons come back from the DOM unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), async (id, message, reason) => {
        const r = exampleRunReport();
        r.properties[0].id = id;
        r.properties[0].failure!.message = message;
        r.properties[3].skipReason = reason;
        await page.setContent(renderHtml(r));
        const seen = await page.evaluate(() => ({
          sections: document.querySelectorAll('section.property').length,
          id: document.querySelector('section.property h2')?.textContent,
          message: document.querySelector('section.property .message')?.textContent,
          skip: [...document.querySelectorAll('section.property')].at(-1)?.querySelectorAll('p.meta')[2]?.textContent,
          cells: document.querySelectorAll('td.cell-mismatch').length,
        }));
        expect(seen).toEqual({ sections: 4, id, message, skip: `Skipped: ${reason}`, cells: 2 });
      }),
      { numRuns: 25 },
    );
  });
});
