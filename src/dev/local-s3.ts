// An S3-compatible store in this process, on 127.0.0.1 only: fauxqs (a devDependency, imported
// on demand so that the crawler itself never needs it). Shared by tests, the demo and benchmarks.
// It keeps objects in memory and checks neither credentials nor checksums.
import type { AddressInfo } from 'node:net';

export interface LocalS3Options {
  /** Keep a log of every request (method, URL, status) in the order they finished. */
  recordRequests?: boolean;
  /** Port to listen on; default any free one. */
  port?: number;
  /** Called as each request arrives, before it is handled (e.g. a test kills an uploader on its Nth PUT). */
  onRequest?: (request: { method: string; url: string }) => void;
}

export interface S3RequestRecord {
  method: string;
  /** Path and query, e.g. `/bucket/run/Leads/Leads-0.json?uploadId=…`. */
  url: string;
  status: number;
}

export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** Requests so far, when recordRequests was asked for. */
  requests: S3RequestRecord[];
  /** Settings that point the crawler at this store (path-style, dummy keys). */
  settings(bucket: string): Record<string, string>;
  /** An outage: stops listening and drops open connections; the objects are kept. */
  interrupt(): Promise<void>;
  /** Ends an outage: listens again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalS3(opts: LocalS3Options = {}): Promise<LocalS3> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const requests: S3RequestRecord[] = [];
  if (opts.recordRequests) {
    app.addHook('onResponse', (request, reply, done) => {
      requests.push({ method: request.method, url: request.url, status: reply.statusCode });
      done();
    });
  }
  const onRequest = opts.onRequest;
  if (onRequest) {
    app.addHook('onRequest', (request, _reply, done) => {
      onRequest({ method: request.method, url: request.url });
      done();
    });
  }
  // Loopback only (fauxqs's own quick start binds every interface).
  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  let down = false;
  let stopped = false;

  return {
    endpoint,
    port,
    requests,
    settings: (bucket) => ({
      AWS_BUCKET_NAME: bucket,
      AWS_S3_ENDPOINT: endpoint,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local-test-key',
      AWS_SECRET_ACCESS_KEY: 'local-test-secret',
    }),
    async interrupt() {
      if (down || stopped) return;
      down = true;
      await new Promise<void>((done) => {
        app.server.close(() => done());
        app.server.closeAllConnections();
      });
    },
    async resume() {
      if (!down || stopped) return;
      await new Promise<void>((done, fail) => {
        app.server.once('error', fail);
        app.server.listen(port, '127.0.0.1', () => {
          app.server.off('error', fail);
          done();
        });
      });
      down = false;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // After an outage the listener is closed already; fastify still has its own resources to free.
      await app.close().catch((error: unknown) => {
        if (!down) throw error;
      });
    },
  };
}
