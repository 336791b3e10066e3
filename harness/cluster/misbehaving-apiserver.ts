// A misbehaving API server on loopback, the fault injector for the cluster target's connection: each
// mode is one way a real server, proxy or network has been seen to fail. Test support only: the
// suite checks that every mode ends a run in bounded time with one line and the right exit code.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export const MISBEHAVIOURS = [
  /** Nothing listens on the port: the connection is refused. */
  'refused',
  /** Accepts the TCP connection and never says a word (over https: the TLS handshake never ends). */
  'hang',
  /** Sends the status line and headers, then one byte of body every 500 ms, forever. */
  'drip',
  '401',
  '403',
  '404',
  '429',
  '500',
  '503',
  /** 200 application/json with a body that does not parse. */
  'invalid-json',
  /** 200 text/html: a login portal or a proxy's error page. */
  'html',
  /** 200 application/json with no body at all. */
  'empty',
  /** 302 to a login page, as a portal in front of the wrong address answers. */
  'redirect',
] as const;
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

export interface MisbehavingApiServer {
  /** http://127.0.0.1:PORT (also reachable as https:// for the TLS cases). */
  readonly url: string;
  readonly port: number;
  /** Requests received (for 429/5xx: how often the client retried). */
  readonly requests: number;
  stop(): Promise<void>;
}

const STATUS_REASON: Record<string, string> = { '401': 'Unauthorized', '403': 'Forbidden', '404': 'NotFound', '429': 'TooManyRequests', '500': 'InternalError', '503': 'ServiceUnavailable' };

export async function startMisbehavingApiServer(mode: Misbehaviour): Promise<MisbehavingApiServer> {
  if (mode === 'refused') {
    // Bind a port, then free it: nothing listens there afterwards.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    return { url: `http://127.0.0.1:${port}`, port, requests: 0, stop: async () => {} };
  }
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  let server: net.Server;
  if (mode === 'hang') {
    server = net.createServer((socket) => {
      requests++;
      sockets.add(socket);
      socket.on('error', () => {});
    });
  } else {
    server = http.createServer((req, res) => {
      requests++;
      req.resume();
      if (mode === 'drip') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const t = setInterval(() => res.write(' '), 500);
        timers.add(t);
        res.on('close', () => clearInterval(t));
        return;
      }
      if (mode in STATUS_REASON) {
        const code = Number(mode);
        res.writeHead(code, { 'content-type': 'application/json', ...(code === 429 || code === 503 ? { 'retry-after': '1' } : {}) });
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason: STATUS_REASON[mode], message: `misbehaving server: ${mode}` }));
        return;
      }
      if (mode === 'invalid-json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"kind": "SelfSubjectAccessReview", "status": {');
        return;
      }
      if (mode === 'html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><html><body><h1>Please log in</h1></body></html>');
        return;
      }
      if (mode === 'redirect') {
        res.writeHead(302, { location: 'https://login.example/', 'content-type': 'text/html' });
        res.end('<a href="https://login.example/">moved</a>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end();
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A kubeconfig for `server` (a bearer token; skipTLSVerify only where the URL is http). */
export function kubeconfigFor(server: string, user: Record<string, unknown> = { token: 't' }): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, ...(server.startsWith('https:') ? { 'insecure-skip-tls-verify': true } : {}) } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
}
