// The full pod reachability matrix: every pod to every pod on every port the destination serves,
// the batch form of predict()'s policy verdict. Both read the same admissions (policy-index.ts):
// per destination column the sources its ingress admits, per source row the columns its egress
// admits, so a cell is two array reads and predict() and the matrix cannot disagree.
import type { ClusterState, Protocol, Verdict } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import type { ModelIndex } from './model.ts';
import { admission, admitsHost, type PolicyIndex } from './policy-index.ts';
import { VERDICTS, type Party } from './policy-verdict.ts';

// The verdict codes of policy-verdict.ts as local constants: an imported binding can compile to a
// getter call (tsx's CommonJS interop), which the per-cell loop cannot afford.
const ALLOW = 0;
const DENY = 1;
const UNDEFINED = 2;

export interface MatrixColumn {
  pod: string;
  port: number;
  protocol: Protocol;
}

export interface ReachabilityMatrix {
  /** Row i: the pod `rows[i]` as the client. */
  rows: string[];
  /** Column j: a served port of a destination pod. */
  columns: MatrixColumn[];
  /** rows.length x columns.length verdict codes (0 allow, 1 deny, 2 undefined), row-major. */
  cells: Uint8Array;
  counts: Record<Verdict, number>;
}

export function verdictAt(m: ReachabilityMatrix, row: number, column: number): Verdict {
  return VERDICTS[m.cells[row * m.columns.length + column]];
}

interface Column extends MatrixColumn {
  party: Party;
}

function partiesOf(state: ClusterState): Party[] {
  return state.pods.map((p, i) => (p.hostNetwork ? { pod: -1, node: p.nodeName, ip: p.ip, hostPod: i } : { pod: i, node: p.nodeName, ip: p.ip }));
}

/** peers[colPod[c]] for every column (0 for host columns). */
function gather(peers: Uint8Array, colPod: Int32Array): Uint8Array {
  const out = new Uint8Array(colPod.length);
  for (let c = 0; c < colPod.length; c++) {
    const d = colPod[c];
    if (d >= 0) out[c] = peers[d];
  }
  return out;
}

/**
 * Per source pod, the columns its egress admits (1) or not (0); undefined when not egress-isolated.
 * A row is made of the pod's admissions on each (port, protocol) of the columns, so pods with the
 * same admissions share one row.
 */
function egressRows(ix: PolicyIndex, columns: Column[]): (Uint8Array | undefined)[] {
  const portKeys = new Map<string, number>();
  const colPort = Int32Array.from(columns, (c) => {
    const k = `${c.port}/${c.protocol}`;
    let id = portKeys.get(k);
    if (id === undefined) portKeys.set(k, (id = portKeys.size));
    return id;
  });
  const ports = [...portKeys.keys()].map((k) => columns[colPort.indexOf(portKeys.get(k)!)]);
  const colPod = Int32Array.from(columns, (c) => c.party.pod);
  const rows = new Map<string, Uint8Array>();
  return ix.pods.map((_, s) => {
    if (ix.egressOf[s].length === 0) return undefined;
    const adms = ports.map((col) => admission(ix, 'egress', s, col.port, col.protocol));
    const key = adms.map((a) => a.id).join(',');
    let row = rows.get(key);
    if (!row) {
      row = new Uint8Array(columns.length);
      if (adms.length === 1) row.set(gather(adms[0].peers, colPod));
      else {
        const each = adms.map((a) => gather(a.peers, colPod));
        for (let c = 0; c < columns.length; c++) row[c] = each[colPort[c]][c];
      }
      // Host columns: only a rule open to every destination admits them.
      for (let c = 0; c < columns.length; c++) {
        if (colPod[c] < 0) row[c] = admitsHost(ix, adms[colPort[c]], columns[c].party, columns[c].port, columns[c].protocol) ? 1 : 0;
      }
      rows.set(key, row);
    }
    return row;
  });
}

/**
 * One row of an ordinary pod source `s`, the rules of policy-verdict.ts one array read per direction:
 * a pod reaches itself; a host destination is never isolated, so only the source's egress decides
 * (own node always allowed, others undefined unless admitted); a pod destination needs both ends.
 * A function of its own so that V8 optimizes it for the typed arrays it is always called with.
 */
function podRow(
  cells: Uint8Array,
  base: number,
  n: number,
  s: number,
  sNode: number,
  egressRow: Uint8Array,
  admitted: Uint8Array,
  sources: number,
  colPod: Int32Array,
  colNode: Int32Array,
  colClass: Int32Array,
): void {
  for (let c = 0; c < n; c++) {
    const d = colPod[c];
    // Both ends admit: ALLOW (0), else DENY (1), without a branch (the data is as good as random, so
    // a branch here mispredicts half the time).
    if (d >= 0 && d !== s) cells[base + c] = 1 ^ (egressRow[c] & admitted[sources + colClass[c]]);
    else if (d === s) cells[base + c] = ALLOW;
    else cells[base + c] = egressRow[c] === 1 || sNode === colNode[c] ? ALLOW : UNDEFINED;
  }
}

/**
 * Counts of each verdict code in `cells`, four cells at a time: DENY (1) sets a cell's low bit and
 * UNDEFINED (2) the next one, and one multiplication sums a bit over the four bytes of a word.
 */
function countCodes(cells: Uint8Array): number[] {
  const words = cells.length >> 2;
  const w = new Uint32Array(cells.buffer, cells.byteOffset, words);
  let deny = 0;
  let undef = 0;
  for (let k = 0; k < words; k++) {
    const x = w[k];
    deny += Math.imul(x & 0x01010101, 0x01010101) >>> 24;
    undef += Math.imul((x >>> 1) & 0x01010101, 0x01010101) >>> 24;
  }
  for (let k = words << 2; k < cells.length; k++) {
    if (cells[k] === DENY) deny++;
    else if (cells[k] === UNDEFINED) undef++;
  }
  return [cells.length - deny - undef, deny, undef];
}

/** The whole matrix of one model's state, through the model's admissions (policy-index.ts). */
export function matrixOf(model: ModelIndex): ReachabilityMatrix {
  const ix = model.policies;
  const state = model.state;
  const pods = state.pods;
  const parties = partiesOf(state);
  const columns: Column[] = [];
  pods.forEach((p, i) => {
    for (const cp of p.ports) columns.push({ pod: podKey(p), port: cp.containerPort, protocol: cp.protocol, party: parties[i] });
  });
  const n = columns.length;
  const cells = new Uint8Array(pods.length * n);
  // Per column, the sources its ingress admits: every source when the pod is not ingress-isolated.
  const everySource = new Uint8Array(pods.length).fill(1);
  const colAdmission = columns.map((col) => {
    const d = col.party.pod;
    return d < 0 || ix.ingressOf[d].length === 0 ? undefined : admission(ix, 'ingress', d, col.port, col.protocol);
  });
  // Columns share admissions (1,219 for 9,357 columns at 5,000 pods): number them, and transpose
  // their peer sets so that a source's row reads one short contiguous array instead of a byte of
  // each admission (which misses the cache on every column).
  const classOf = new Map<Uint8Array, number>([[everySource, 0]]);
  const colClass = Int32Array.from(colAdmission, (adm) => {
    const peers = adm?.peers ?? everySource;
    let k = classOf.get(peers);
    if (k === undefined) classOf.set(peers, (k = classOf.size));
    return k;
  });
  const classes = [...classOf.keys()];
  const K = classes.length;
  const admitted = new Uint8Array(pods.length * K);
  for (let block = 0; block < pods.length; block += 64) {
    const end = Math.min(pods.length, block + 64);
    for (let k = 0; k < K; k++) {
      const peers = classes[k];
      for (let s = block; s < end; s++) admitted[s * K + k] = peers[s];
    }
  }
  const egress = egressRows(ix, columns);
  // Flat arrays for the hot loop: pod index (-1 for a host) and node number per row and column.
  const nodeNumber = new Map<string, number>();
  const nodeOf = (p: Party) => {
    let k = nodeNumber.get(p.node);
    if (k === undefined) nodeNumber.set(p.node, (k = nodeNumber.size));
    return k;
  };
  const colPod = Int32Array.from(columns, (c) => c.party.pod);
  const colNode = Int32Array.from(columns, (c) => nodeOf(c.party));
  const everyColumn = new Uint8Array(n).fill(1);
  for (let r = 0; r < pods.length; r++) {
    const src = parties[r];
    const s = src.pod;
    const sNode = nodeOf(src);
    const base = r * n;
    if (s >= 0) {
      podRow(cells, base, n, s, sNode, egress[s] ?? everyColumn, admitted, s * K, colPod, colNode, colClass);
    } else {
      // A host source: never egress-isolated; an isolated destination admits it from its own node
      // or through a rule open to every source.
      for (let c = 0; c < n; c++) {
        const adm = colAdmission[c];
        const ok = colPod[c] < 0 || adm === undefined || sNode === colNode[c] || admitsHost(ix, adm, src, columns[c].port, columns[c].protocol);
        cells[base + c] = ok ? ALLOW : UNDEFINED;
      }
    }
  }
  const counts = countCodes(cells);
  return {
    rows: pods.map(podKey),
    columns: columns.map(({ pod, port, protocol }) => ({ pod, port, protocol })),
    cells,
    counts: { allow: counts[ALLOW], deny: counts[DENY], undefined: counts[UNDEFINED] },
  };
}
