// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) one after the
// other and prints each section as a Markdown table, the form the README keeps. `--name value`
// options go to every bench that runs (e.g. `npm run bench -- model --pods 500,1000`).
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Bench, BenchOptions } from './bench.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only: string[] = [];
const options: BenchOptions = {};
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--')) {
    const [name, inline] = args[i].slice(2).split('=', 2);
    options[name] = inline ?? args[++i] ?? '';
  } else only.push(args[i]);
}
// The cluster bench brings up six real clusters (an hour or more): it runs only when named.
const OPT_IN = new Set(['cluster.bench.ts']);
const files = (await readdir(here))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => (only.length === 0 ? !OPT_IN.has(f) : only.some((o) => f.includes(o))))
  .sort();

for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { bench: Bench };
  const section = await mod.bench(options);
  console.log(`\n### ${section.title}\n`);
  if (section.skipped) console.log(`(skipped: ${section.skipped})\n`);
  if (section.table) {
    console.log(`| ${section.table.header.join(' | ')} |`);
    console.log(`|${section.table.header.map(() => '---|').join('')}`);
    for (const row of section.table.rows) console.log(`| ${row.join(' | ')} |`);
    console.log('');
  }
  for (const note of section.notes ?? []) console.log(`- ${note}`);
  if (section.rows.length === 0) continue;
  console.log('| measure | value | target | met |');
  console.log('|---|---|---|---|');
  for (const r of section.rows) {
    const met = r.met === undefined ? '' : r.met ? 'yes' : 'NO';
    console.log(`| ${r.name} | ${Number.isInteger(r.value) ? r.value : r.value.toFixed(1)} ${r.unit} | ${r.target ?? ''} | ${met} |`);
  }
}
