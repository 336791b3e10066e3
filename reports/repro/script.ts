// repro.sh: a bash script that replays a counterexample in a real cluster with kubectl and agnhost.
// It applies manifests.yaml, waits for the pods, makes each failing probe with `agnhost connect`
// from inside the source pod (or the source node's hostNetwork prober), and prints, per probe, what
// a conformant cluster gives, what netprops observed on its target, and what this cluster gave.
import type { ClusterState, ExpectedProbe } from '../../cluster/types.ts';
import { CONTAINER_NAME } from '../../harness/cluster/manifests.ts';
import { describeProbe } from '../../cluster/probe-text.ts';
import { connectOutput, connectPlan, type Lookup } from './connect-plan.ts';
import type { ReproInput } from './repro-input.ts';
import type { ReproManifests } from './manifests.ts';
import { shellQuote as q } from './shell-quote.ts';
import { observationsOf, summarize } from './observations.ts';

/** Namespaces the API server refuses to delete; the repro removes its objects there one by one. */
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

function lookup(l: Lookup): string {
  switch (l.kind) {
    case 'literal':
      return q(l.value);
    case 'pod-ip':
      return `"$(pod_ip ${q(l.namespace)} ${q(l.name)})"`;
    case 'cluster-ip':
      return `"$(cluster_ip ${q(l.namespace)} ${q(l.name)})"`;
    case 'node-ip':
      return `"$(node_ip ${q(l.namespace)} ${q(l.prober)})"`;
    case 'node-port':
      return `"$(node_port ${q(l.namespace)} ${q(l.name)} ${q(String(l.index))})"`;
  }
}

function comment(text: string): string {
  return text
    .split('\n')
    .map((l) => scriptComment(l))
    .join('\n');
}

/**
 * One comment line, whatever `text` holds: a line break (or any control character) in a name would
 * end the comment and make the rest a command, so each is written as a visible escape.
 */
export function scriptComment(text: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) => (c === '\t' ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return `# ${escaped}`.trimEnd();
}

function waits(state: ClusterState, manifests: ReproManifests): string[] {
  const lines: string[] = [];
  for (const pod of state.pods) {
    // A pod the case declares not ready starts with its readiness probe failing on purpose: wait for Running.
    const condition = pod.ready ? '--for=condition=Ready' : `--for=jsonpath='{.status.phase}'=Running`;
    lines.push(`"$KUBECTL" wait -n ${q(pod.namespace)} pod/${q(pod.name)} ${condition} --timeout="$WAIT_TIMEOUT" >/dev/null`);
  }
  for (const name of Object.values(manifests.probers)) {
    lines.push(`"$KUBECTL" wait -n ${q(manifests.proberNamespace!)} pod/${q(name)} --for=condition=Ready --timeout="$WAIT_TIMEOUT" >/dev/null`);
  }
  return lines;
}

function cleanupLines(state: ClusterState, manifests: ReproManifests): string[] {
  const namespaces = [...state.namespaces.map((n) => n.name), ...(manifests.proberNamespace ? [manifests.proberNamespace] : [])];
  const own = namespaces.filter((n) => !PROTECTED_NAMESPACES.has(n));
  const lines: string[] = [];
  if (own.length) lines.push(`"$KUBECTL" delete namespace "\${namespaces[@]}" --ignore-not-found --wait=false >/dev/null || true`);
  for (const ns of namespaces.filter((n) => PROTECTED_NAMESPACES.has(n))) {
    const objects = [
      ...state.pods.filter((p) => p.namespace === ns).map((p) => `pod/${p.name}`),
      ...state.services.filter((s) => s.namespace === ns).map((s) => `service/${s.name}`),
      ...state.policies.filter((p) => p.namespace === ns).map((p) => `networkpolicy/${p.name}`),
    ];
    if (objects.length) lines.push(`"$KUBECTL" delete -n ${q(ns)} ${objects.map(q).join(' ')} --ignore-not-found --wait=false >/dev/null || true`);
  }
  return lines;
}

/**
 * A case may label a namespace the repro cannot own (default): applying the Namespace adds those
 * labels to the user's namespace. Before applying, refuse if a key is there with another value
 * (it would be overwritten); remember the keys that are new, and remove them again on exit.
 */
function protectedLabelLines(state: ClusterState): string[] {
  const lines: string[] = [];
  for (const ns of state.namespaces.filter((n) => PROTECTED_NAMESPACES.has(n.name) && Object.keys(n.labels).length > 0)) {
    lines.push(`existing=$(label_pairs ${q(ns.name)})`);
    for (const [key, value] of Object.entries(ns.labels)) {
      lines.push(`claim_label ${q(ns.name)} ${q(key)} ${q(value)} "$existing"`);
    }
  }
  return lines;
}

function probeBlock(input: ReproInput, manifests: ReproManifests, probe: ExpectedProbe, index: number): string {
  const state = input.failure.counterexample.state;
  const what = describeProbe(probe);
  const observedText = summarize(
    observationsOf(input.failure, probe).map(
      (o) => connectOutput(o.outcome) + (o.sourceSeen ? `, the receiver saw ${o.sourceSeen}` : '') + (o.detail ? ` (${o.detail})` : ''),
    ),
  );
  const result = connectPlan(state, probe, manifests.probers, manifests.proberNamespace);
  if (!result.ok) {
    return `${scriptComment(`probe ${index + 1}: ${what}`)}\nskip_probe ${q(what)} ${q(result.reason)}`;
  }
  const { plan } = result;
  const notes = plan.notes.map((n) => comment(n)).join('\n');
  const args = [
    q(plan.exec.namespace), q(plan.exec.name), q(plan.protocol), lookup(plan.host), lookup(plan.port),
    q(probe.expect), q(observedText), q(what), plan.checkSource ? 'check-source' : 'no-source-check', ...plan.flags.map(q),
  ];
  return `${scriptComment(`probe ${index + 1}: ${what}, expected ${probe.expect}`)}${notes ? '\n' + notes : ''}\nprobe ${args.join(' ')}`;
}

export function reproScript(input: ReproInput, manifests: ReproManifests): string {
  const claims = protectedLabelLines(input.failure.counterexample.state);
  const labelBlock = claims.length === 0 ? '' : `# Labels this repro adds to namespaces it does not own, as (namespace key) pairs; removed on exit.
added_labels=()
# shellcheck disable=SC2016 # the $ signs belong to the go-template, not to bash
label_pairs() { "$KUBECTL" get namespace "$1" -o go-template='{{range $k, $v := .metadata.labels}}{{$k}}={{$v}}{{"\\n"}}{{end}}'; }
claim_label() { # NAMESPACE KEY VALUE EXISTING_PAIRS
  local line
  while IFS= read -r line; do
    [[ $line == "$2=$3" ]] && return 0
    [[ $line == "$2="* ]] && die "namespace $1 has label $2 with another value; this repro would overwrite it"
  done <<<"$4"
  added_labels+=("$1" "$2")
}
${claims.join('\n')}

`;
  const labelCleanup = claims.length === 0 ? '' : `
  local i
  for ((i = 0; i < \${#added_labels[@]}; i += 2)); do
    "$KUBECTL" label namespace "\${added_labels[i]}" "\${added_labels[i + 1]}-" >/dev/null || true
  done`;
  const { property, failure } = input;
  const state = failure.counterexample.state;
  const probes = failure.counterexample.probes;
  const foundOn = `target ${input.target}${input.fault ? `, fault ${input.fault}` : ''}, seed ${input.seed}${input.path ? `, path ${input.path}` : ''}`;
  const namespaces = [...state.namespaces.map((n) => n.name), ...(manifests.proberNamespace ? [manifests.proberNamespace] : [])]
    .filter((n) => !PROTECTED_NAMESPACES.has(n));
  return `#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the EXIT trap; not every repro calls every lookup
${comment(`netprops repro of property ${property.id}: ${property.statement}
Upstream rule: ${property.rule}
Found on ${foundOn}.`)}
#
# Applies manifests.yaml to the cluster kubectl points at (use a scratch cluster: the namespaces are
# deleted on exit), waits for the pods, then makes each failing probe with agnhost connect from the
# source pod (a probe from a node runs in a hostNetwork prober pod on that node) and prints what a
# conformant cluster gives, what netprops observed, and what this cluster gave.
# Exit 0: this cluster agreed with the network model on every probe; 1: at least one probe
# reproduced the failure; 2: the repro could not run.
# Environment: KUBECTL (kubectl), CONNECT_TIMEOUT (3s), WAIT_TIMEOUT (180s), SETTLE_SECONDS (5: time
# for endpoints and policies to be programmed after the pods are ready), KEEP=1 keeps the objects.
set -euo pipefail
cd "$(dirname "\${BASH_SOURCE[0]}")"
KUBECTL="\${KUBECTL:-kubectl}"
CONNECT_TIMEOUT="\${CONNECT_TIMEOUT:-3s}"
WAIT_TIMEOUT="\${WAIT_TIMEOUT:-180s}"
SETTLE_SECONDS="\${SETTLE_SECONDS:-5}"

die() { echo "repro.sh: $*" >&2; exit 2; }
command -v "$KUBECTL" >/dev/null || die "$KUBECTL not found: install kubectl or set KUBECTL"
"$KUBECTL" version >/dev/null 2>&1 || die "cannot reach the cluster with $KUBECTL (check KUBECONFIG and the context)"

# The cleanup deletes these namespaces: never take over ones that exist already.
namespaces=(${namespaces.map(q).join(' ')})
for ns in "\${namespaces[@]}"; do
  if "$KUBECTL" get namespace "$ns" >/dev/null 2>&1; then
    die "namespace $ns already exists; this repro deletes its namespaces on exit: use a scratch cluster"
  fi
done

${labelBlock}applied=false
cleanup() {
  $applied || return 0
  if [[ "\${KEEP:-0}" == 1 ]]; then
    echo "KEEP=1: the objects stay; remove them with: $KUBECTL delete -f manifests.yaml"
    return 0
  fi
  echo "cleaning up"
${cleanupLines(state, manifests).map((l) => `  ${l}`).join('\n')}${labelCleanup}
}
trap cleanup EXIT

applied=true
"$KUBECTL" apply -f manifests.yaml
echo "waiting for the pods (up to $WAIT_TIMEOUT each)"
${waits(state, manifests).join('\n')}
sleep "$SETTLE_SECONDS"

# A real cluster assigns its own addresses: look them up rather than use the case's.
pod_ip() { "$KUBECTL" get pod -n "$1" "$2" -o jsonpath='{.status.podIP}'; }
cluster_ip() { "$KUBECTL" get service -n "$1" "$2" -o jsonpath='{.spec.clusterIP}'; }
node_port() { "$KUBECTL" get service -n "$1" "$2" -o jsonpath="{.spec.ports[$3].nodePort}"; }
node_ip() { # the InternalIP of the node the prober pod $1/$2 runs on (the case node's real node)
  local node
  node=$("$KUBECTL" get pod -n "$1" "$2" -o jsonpath='{.spec.nodeName}')
  "$KUBECTL" get node "$node" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'
}

checked=0
reproduced=0
skipped=0
# probe EXEC_NAMESPACE EXEC_POD PROTOCOL HOST PORT EXPECT OBSERVED DESCRIPTION SOURCE_CHECK [CONNECT_FLAGS...]
probe() {
  local ns=$1 pod=$2 protocol=$3 host=$4 port=$5 expect=$6 observed=$7 what=$8 source_check=$9
  shift 9
  local conformant='connected: connect exits 0'
  [[ $expect == deny ]] && conformant='blocked: connect exits 1, TIMEOUT or REFUSED (or OTHER: no route)'
  echo
  echo "probe: $what ($host:$port/$protocol)"
  echo "  conformant cluster: $conformant"
  echo "  netprops observed:  $observed"
  local out rc=0 got
  out=$("$KUBECTL" exec -n "$ns" "$pod" -c ${q(CONTAINER_NAME)} -- /agnhost connect --timeout="$CONNECT_TIMEOUT" --protocol="$protocol" "$@" "$host:$port" 2>&1) || rc=$?
  if ((rc == 0)); then
    got=allow
    echo "  this cluster:       connected: connect exited 0"
  else
    case "$out" in
      *TIMEOUT* | *REFUSED* | *OTHER:* | *DNS:*) got=deny ;;
      *) die "could not run the probe (exit $rc): $out" ;;
    esac
    echo "  this cluster:       blocked: $(printf '%s' "$out" | head -n 1)"
  fi
  # The network model: pods reach pods without NAT, so the receiver sees the sender's own pod IP.
  # netexec's /clientip answers the address:port it saw.
  local seen='' own=''
  if [[ $got == allow && $expect == allow && $source_check == check-source ]]; then
    seen=$("$KUBECTL" exec -n "$ns" "$pod" -c ${q(CONTAINER_NAME)} -- curl -sS --max-time 5 "http://$host:$port/clientip" 2>&1) ||
      die "could not ask $host:$port which address connected: $seen"
    seen=\${seen%:*}
    own=$(pod_ip "$ns" "$pod")
    echo "  source address:     the receiver saw $seen; the sender's pod IP is $own"
    [[ $seen == "$own" ]] || got=nat
  fi
  checked=$((checked + 1))
  if [[ $got == "$expect" ]]; then
    echo "  => as the network model says"
  elif [[ $got == nat ]]; then
    reproduced=$((reproduced + 1))
    echo "  => REPRODUCED: connected, but the receiver saw $seen, not the sender's own IP $own"
  else
    reproduced=$((reproduced + 1))
    echo "  => REPRODUCED: expected $expect, got $got"
  fi
}
skip_probe() {
  skipped=$((skipped + 1))
  echo
  echo "probe: $1"
  echo "  not made: $2"
}

${probes.map((p, i) => probeBlock(input, manifests, p, i)).join('\n')}

echo
echo "$reproduced of $checked probes reproduced the failure ($skipped could not be made)"
if ((reproduced > 0)); then exit 1; fi
exit 0
`;
}
