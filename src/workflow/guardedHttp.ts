/**
 * One HTTP exchange with an address the guard has vetted. The socket goes to that address
 * whatever DNS says now (the `lookup` below never asks DNS), while the Host header and TLS
 * server name stay the name the caller gave, so virtual hosts and certificates still check.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './allowHosts';

export const MAX_BODY_BYTES = 64 * 1024;
export const EXCERPT_BYTES = 2 * 1024;

export type HttpExchange = Readonly<{
  status: number;
  headers: IncomingHttpHeaders;
  /** Milliseconds from sending the request to the response headers. */
  latencyMs: number;
  body: Buffer;
  truncated: boolean;
}>;

export type HttpRequestSpec = Readonly<{
  url: URL;
  method: 'GET' | 'HEAD' | 'POST';
  target: ResolvedAddress;
  signal: AbortSignal;
  headers?: Readonly<Record<string, string>>;
  body?: Buffer;
}>;

function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

export function sendOnce(spec: HttpRequestSpec): Promise<HttpExchange> {
  const { url, method, target, signal } = spec;
  const client = url.protocol === 'https:' ? https : http;
  const name = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const sentAt = performance.now();

  return new Promise<HttpExchange>((resolve, reject) => {
    const request = client.request({
      protocol: url.protocol,
      hostname: name,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method,
      headers: { 'user-agent': 'vps-incident-workflow/1', accept: '*/*', ...spec.headers },
      lookup: pinnedLookup(target),
      // A pooled socket could have been opened to another address; every exchange dials its own.
      agent: false,
      signal,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const latencyMs = Math.round(performance.now() - sentAt);
      const chunks: Buffer[] = [];
      let received = 0;
      let settled = false;
      const finish = (truncated: boolean): void => {
        if (settled) return;
        settled = true;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, latencyMs, body: Buffer.concat(chunks), truncated });
      };
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = MAX_BODY_BYTES - received;
        if (chunk.length > room) {
          // Stop reading: a huge or endless body must not hold memory or the step.
          chunks.push(chunk.subarray(0, room));
          finish(true);
          request.destroy();
          return;
        }
        chunks.push(chunk);
        received += chunk.length;
      });
      response.on('end', () => finish(false));
      response.on('close', () => {
        if (!settled) reject(new Error('the connection closed before the response body ended'));
      });
    });
    request.end(spec.body);
  });
}

/** The port a URL reaches: its own, else its scheme's. */
export function portOf(url: URL): number {
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** A URL as steps report it: without user name or password, which must never reach an event. */
export function withoutCredentials(url: URL): URL {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy;
}

/** The first bytes of a body as text, for an operator to eyeball; never the whole body. */
export function excerptOf(body: Buffer): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(body.subarray(0, EXCERPT_BYTES));
}
