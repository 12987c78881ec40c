// A real HTTP proxy in front of an S3-compatible store (fauxqs) that fails chosen attempts of PUT
// requests, so the uploader's retries are exercised through the same S3 client the product builds.
// It counts every attempt per object path: the number of PUTs a file cost is read from here, not
// from the uploader's own account of it.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to do with the `attempt`-th PUT (1-based) to `path`: pass it on, answer 503, or cut the connection. */
export type PutFault = (path: string, attempt: number) => 'pass' | 'unavailable' | 'cut';

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point AWS_S3_ENDPOINT here. */
  endpoint: string;
  /** PUT attempts per request path (without the query). */
  puts: Map<string, number>;
  /** Every PUT as it arrived: its path and what the proxy did with it. */
  log: Array<{ path: string; action: ReturnType<PutFault> }>;
  /** Replaces the fault policy (default: every PUT passes). */
  setFault(fault: PutFault): void;
  stop(): Promise<void>;
}

const UNAVAILABLE = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>';

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const puts = new Map<string, number>();
  const log: FaultProxy['log'] = [];
  let fault: PutFault = () => 'pass';

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    // The proxy answers 100-continue itself (Node does when nobody listens for checkContinue).
    const { expect: _expect, ...headers } = req.headers;
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };

  const server: Server = createServer((req, res) => {
    if (req.method !== 'PUT') return forward(req, res);
    const path = (req.url ?? '').split('?')[0];
    const attempt = (puts.get(path) ?? 0) + 1;
    puts.set(path, attempt);
    const action = fault(path, attempt);
    log.push({ path, action });
    if (action === 'pass') return forward(req, res);
    if (action === 'cut') return void req.socket.destroy();
    // Read the body first: an answer before it is sent can reach the client as a reset instead.
    req.resume();
    req.on('end', () => {
      res.writeHead(503, { 'content-type': 'application/xml', 'x-amz-request-id': 'fault-proxy' });
      res.end(UNAVAILABLE);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    puts,
    log,
    setFault: (next) => void (fault = next),
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
