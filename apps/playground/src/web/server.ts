/**
 * The playground's web server: one page over the running local cloud, on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalCloud } from '@triggers/local-cloud';

export const DEFAULT_PAGE_PORT = 4567;

export interface Playground {
  /** e.g. http://127.0.0.1:4567 */
  readonly url: string;
  stop(): Promise<void>;
}

export interface PlaygroundOptions {
  /** 4567 by default; 0 picks a free one. */
  readonly port?: number;
}

/** Serves the page; rejects with one sentence when the port is taken. */
export async function startPlayground(
  cloud: LocalCloud,
  options: PlaygroundOptions = {},
): Promise<Playground> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>Lambda Triggers</title><p>${cloud.stacks.length} stacks`);
  });
  const port = options.port ?? DEFAULT_PAGE_PORT;
  await listen(server, port);
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `Port ${port} is in use: stop what holds it, or give the page another (--page-port N, 0 for a free one).`
            : `The playground page could not listen on 127.0.0.1:${port}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
