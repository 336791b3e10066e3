import { describe, it, expect } from 'vitest';
import { renderHtml } from './html.ts';
import { exampleRunReport } from './example-run-report.ts';

describe('HTML report (as text; html.browser.test.ts renders it)', () => {
  const html = renderHtml(exampleRunReport());

  it('is self-contained: inline style, no scripts, no external references', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);
  });

  it("shows a settling target's time-to-enforce and stale counts, per property and for the run", () => {
    const r = exampleRunReport();
    const settling = {
      timeToEnforceMs: { count: 12, p50: 120.4, p90: 410.6, max: 905 },
      agreedAtFirstAttemptMs: { count: 60, p50: 2400.4, p90: 4100, max: 5200.6 },
      staleAllow: 1, staleDeny: 0, staleEndpoint: 4, profileViolations: 2, attempts: 80,
    };
    r.properties[0].settling = settling;
    r.settling = settling;
    const out = renderHtml(r);
    expect(out).toContain(
      'Settling over the run: time-to-enforce p50 120 ms, p90 411 ms, max 905 ms over 12 probes that waited; 60 agreed at their first attempt (answered p50 2400, max 5201 ms after the change); 80 attempts; stale allows 1, stale denies 0, stale endpoints 4, profile violations 2.',
    );
    const section = out.slice(out.indexOf('id="property-policy-verdicts"'));
    expect(section.slice(0, section.indexOf('</section>'))).toContain('Settling: time-to-enforce p50 120 ms');
    expect(html).not.toContain('Settling');
    r.settling = { ...settling, timeToEnforceByChangeMs: { policies: { count: 5, p50: 300, p90: 800, max: 905 }, 'pod-labels': { count: 7, p50: 90, p90: 200, max: 410 } } };
    expect(renderHtml(r)).toContain(
      'over 12 probes that waited (after policies changes p50 300, p90 800, max 905 ms over 5; after pod-labels changes p50 90, p90 200, max 410 ms over 7); 60 agreed at their first attempt',
    );
  });

  it('says in the summary and the property what the time limit cut short', () => {
    const r = exampleRunReport();
    r.properties[2] = { ...r.properties[2], runs: 2, timeLimit: { limitMs: 600_000, runsAsked: 3 } };
    const out = renderHtml(r);
    expect(out).toMatch(/<tr data-property="pod-ip-unique">.*<td>2 of 3<\/td>/);
    const section = out.slice(out.indexOf('id="property-pod-ip-unique"'));
    expect(section.slice(0, section.indexOf('</section>'))).toContain('Cut short: the time limit (--time-limit 10m) stopped the search after 2 of 3 runs');
    expect(html).not.toContain('Cut short');
  });

  it('escapes every piece of text that came from the run', () => {
    const r = exampleRunReport();
    r.properties[0].id = '<img src=x onerror=alert(1)>';
    r.properties[0].failure!.probes[1].observation.detail = '</td><b>';
    const out = renderHtml(r);
    expect(out).not.toContain('<img');
    expect(out).not.toContain('</td><b>');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes numbers and enums too: a report read from JSON may hold anything there', () => {
    const r = exampleRunReport();
    const evil = '"><img src=x onerror=alert(1)>';
    const p = r.properties[0] as unknown as Record<string, unknown>;
    p.status = evil;
    p.runs = evil;
    p.seed = evil;
    (p.failure as Record<string, unknown>).shrinks = evil;
    (r as unknown as Record<string, unknown>).seed = evil;
    r.properties[0].failure!.probes[0].expected = evil as never;
    const out = renderHtml(r);
    expect(out).not.toContain('<img');
    expect(out).not.toMatch(/"><img/);
  });

  it('draws a matrix only for failures where reachability itself was wrong', () => {
    expect(html.match(/<table class="matrix"/g)).toHaveLength(1);
    expect(html).toContain('<table class="matrix" data-property="policy-verdicts">');
  });

  it('gives the exact replay command of each failure', () => {
    expect(html).toContain('npx netprops run --target model --fault peers-or --property policy-verdicts --seed 42 --path 36:2:2:1');
  });

  it('renders a failure without probe records (e.g. pod-ip-unique) without an empty table', () => {
    const r = exampleRunReport();
    r.properties[0].failure!.probes = [];
    const out = renderHtml(r);
    expect(out).not.toContain('<table class="matrix"');
    expect(out.match(/<table class="probes">/g)).toHaveLength(1); // only no-nat-pod-to-pod's
  });

  it("holds each failure's counterexample as a case file, escaped", () => {
    expect(html.match(/<details class="case">/g)).toHaveLength(2);
    expect(html).toContain('kind: NetworkPolicy');
    expect(html).toContain('name: web-allow-client');
    expect(html).toContain('kind: Expectations');
  });
});
