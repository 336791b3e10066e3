// The part of the `ws` package (installed with @kubernetes/client-node) that the fake API server and the bounded exec
// websocket (request-deadlines.ts) use.
// The project does not depend on @types/ws; if it is ever added, delete this file.
declare module 'ws' {
  import type { IncomingMessage } from 'node:http';
  import type { Duplex } from 'node:stream';
  import type { EventEmitter } from 'node:events';

  export interface WebSocket extends EventEmitter {
    readonly readyState: number;
    readonly OPEN: number;
    readonly protocol: string;
    send(data: Buffer | string): void;
    close(): void;
    terminate(): void;
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options: { noServer: true; handleProtocols?: (protocols: Set<string>, req: IncomingMessage) => string | false });
    readonly clients: Set<WebSocket>;
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: WebSocket) => void): void;
  }

  /** The client; `handshakeTimeout` bounds the opening handshake (connect, TLS, upgrade answer). */
  const WebSocketClient: new (url: string, protocols: string[], options: Record<string, unknown> & { handshakeTimeout?: number }) => WebSocket;
  export default WebSocketClient;
}
