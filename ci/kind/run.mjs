#!/usr/bin/env node
// Nightly: create a kind cluster for one CNI and kube-proxy mode, wait for the CNI, replay the
// regression corpus for that cell, run the suite with JUnit/HTML/JSON output, add new failing seeds
// to the corpus, export kind's logs on failure, and delete the cluster whatever happened.
//
//   node ci/kind/run.mjs --cni kindnet|calico|cilium --proxy-mode iptables|nftables|none
//        [--name netprops] [--out netprops-report] [--runs 25] [--time-limit 3m]
//        [--corpus ci/corpus/seeds.jsonl]
//        [--image registry.k8s.io/e2e-test-images/agnhost:2.53] [--keep]
//
// Needs docker, kind, kubectl (and helm for cilium). Exit code: the suite's (0 pass, 1 failures),
// 2 for a usage or set-up problem.
import { $, argv, fs, path, chalk } from 'zx';
import { register } from 'tsx/esm/api';

register();
const { CNIS, PROXY_MODES, cniSteps, corpusFor, failingSeeds, imageLoadSteps, kindConfig, mergeCorpus, onPath, profileFor, supported } = await import('./kind-cluster.ts');
const { AGNHOST_IMAGE } = await import('../../harness/cluster/manifests.ts');

const fail = (message) => {
  console.error(`ci/kind/run.mjs: ${message}`);
  process.exit(2);
};

const cni = argv.cni ?? 'kindnet';
const proxyMode = argv['proxy-mode'] ?? 'iptables';
const name = argv.name ?? 'netprops';
const out = path.resolve(argv.out ?? 'netprops-report');
const runs = String(argv.runs ?? 25);
// Per property: 20 properties at most 3 min each keep a cell inside the job's timeout.
const timeLimit = String(argv['time-limit'] ?? '3m');
const corpusFile = path.resolve(argv.corpus ?? 'ci/corpus/seeds.jsonl');
const image = argv.image ?? AGNHOST_IMAGE;
if (!CNIS.includes(cni)) fail(`--cni must be one of ${CNIS.join(', ')}, not ${cni}`);
if (!PROXY_MODES.includes(proxyMode)) fail(`--proxy-mode must be one of ${PROXY_MODES.join(', ')}, not ${proxyMode}`);
const support = supported(cni, proxyMode);
if (!support.ok) fail(support.reason);
for (const tool of ['docker', 'kind', 'kubectl', ...(cni === 'cilium' ? ['helm'] : [])]) {
  if (!onPath(tool)) fail(`${tool} is not installed (needed for ${cni})`);
}

$.verbose = true;
await fs.mkdirp(out);
const kubeconfig = path.join(out, 'kubeconfig');
const configFile = path.join(out, 'kind-config.yaml');
await fs.writeFile(configFile, kindConfig(cni, proxyMode));

let status = 2;
try {
  console.log(chalk.bold(`== kind cluster ${name}: ${cni}, kube-proxy ${proxyMode}`));
  await $`kind create cluster --name ${name} --config ${configFile} --kubeconfig ${kubeconfig}`;
  $.env = { ...process.env, KUBECONFIG: kubeconfig };
  for (const step of cniSteps(cni, proxyMode, name)) {
    console.log(chalk.dim(`# ${step.why}`));
    const p = $`${step.argv}`;
    if (step.stdin) p.stdin.end(step.stdin);
    await p;
  }
  const archive = path.join(out, 'agnhost.tar');
  for (const step of imageLoadSteps(image, name, archive)) {
    console.log(chalk.dim(`# ${step.why}`));
    await $`${step.argv}`;
  }
  await fs.remove(archive);

  const netprops = ['run', '--target', 'cluster', '--kubeconfig', kubeconfig, '--cni-profile', profileFor(cni), '--image', image];
  // Seeds that failed before on this cell, first: a regression shows at once, with the same repro.
  const corpus = (await fs.pathExists(corpusFile)) ? corpusFor(await fs.readFile(corpusFile, 'utf8'), cni, proxyMode) : [];
  let replayFailed = false;
  for (const [i, e] of corpus.entries()) {
    console.log(chalk.bold(`== replay ${e.property} seed ${e.seed} path ${e.path}`));
    const r = await $`npx netprops ${netprops} --property ${e.property} --seed ${e.seed} --path ${e.path} --time-limit ${timeLimit} --out ${path.join(out, 'replay', String(i))} --format console junit json html`.nothrow();
    if (r.exitCode !== 0) replayFailed = true;
  }
  console.log(chalk.bold(`== netprops: ${runs} runs per property, at most ${timeLimit} each`));
  const main = await $`npx netprops ${netprops} --runs ${runs} --time-limit ${timeLimit} --out ${out} --format console junit json html`.nothrow();
  status = main.exitCode === 0 && replayFailed ? 1 : main.exitCode;

  const reportFile = path.join(out, 'report.json');
  if (await fs.pathExists(reportFile)) {
    const added = failingSeeds(JSON.parse(await fs.readFile(reportFile, 'utf8')), cni, proxyMode);
    const before = (await fs.pathExists(corpusFile)) ? await fs.readFile(corpusFile, 'utf8') : '';
    await fs.mkdirp(path.dirname(corpusFile));
    await fs.writeFile(corpusFile, mergeCorpus(before, added));
    if (added.length) console.log(`added ${added.length} failing seed(s) to ${corpusFile}`);
  }
} catch (err) {
  console.error(chalk.red(`set-up failed: ${err.message ?? err}`));
  status = 2;
} finally {
  if (status !== 0) await $`kind export logs ${path.join(out, 'kind-logs')} --name ${name}`.nothrow();
  if (!argv.keep) await $`kind delete cluster --name ${name}`.nothrow();
}
process.exit(status);
