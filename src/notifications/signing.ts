/**
 * Standard Webhooks 1.0 signatures: HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" with the key
 * the secret encodes (the base64 after `whsec_`), sent as `v1,<base64>`. Receivers verify it with any
 * Standard Webhooks library; the tests do so with the reference one.
 */
import { createHmac } from 'node:crypto';

export type SignedHeaders = Readonly<{ 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string }>;

export function signWebhook(secret: string, webhookId: string, at: Date, body: string): SignedHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': webhookId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
