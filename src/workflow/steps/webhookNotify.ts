/**
 * Tells people: posts a JSON message to a webhook named in VPS_INCIDENT_WEBHOOKS. No redirect
 * is followed (a POST must not wander), and the webhook's host must still pass the allow list.
 */
import { z } from 'zod';
import { portOf, sendOnce } from '../guardedHttp';
import { defineApiSafeStep, failed, networkFailure, succeeded, timeoutMsSchema } from '../step';
import { WEBHOOKS_VARIABLE } from '../webhooks';
import { StepInputInvalid } from '../workflow.errors';

const input = z.strictObject({
  webhook: z.string().min(1).max(64).describe(`The name of a webhook configured in ${WEBHOOKS_VARIABLE}.`),
  message: z.string().min(1).max(4000),
  incidentId: z.string().max(100).optional(),
  timeoutMs: timeoutMsSchema,
});

export const webhookNotify = defineApiSafeStep({
  key: 'webhook-notify',
  title: 'Notify a webhook',
  description: `Posts {"text", "incidentId"?, "source", "sentAt"} as JSON to a webhook configured by name in ${WEBHOOKS_VARIABLE}.`,
  input,
  async run({ webhook, message, incidentId, timeoutMs }, { guard, webhooks, now }) {
    // hasOwn: a name like "constructor" must not reach Object.prototype.
    const configured = Object.hasOwn(webhooks, webhook) ? webhooks[webhook] : undefined;
    if (configured === undefined) {
      // The configured names are the operator's, not the caller's to list.
      throw new StepInputInvalid('webhook-notify', [{ path: 'input.webhook', message: `no webhook of this name is configured in ${WEBHOOKS_VARIABLE}` }]);
    }
    const url = new URL(configured);
    const signal = AbortSignal.timeout(timeoutMs);
    const target = await guard.vet(url.hostname, portOf(url), signal);
    if (!target.ok) return failed({ webhook, delivered: false, error: signal.aborted ? 'timeout' : 'dns_failure', message: target.reason });

    const body = Buffer.from(JSON.stringify({ text: message, ...(incidentId ? { incidentId } : {}), source: 'vps-incident-workflow', sentAt: now().toISOString() }));
    try {
      const exchange = await sendOnce({
        url, method: 'POST', target, signal, body,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      });
      const delivered = exchange.status >= 200 && exchange.status < 300;
      const output = { webhook, delivered, status: exchange.status, latencyMs: exchange.latencyMs };
      return delivered ? succeeded(output) : failed({ ...output, error: 'unexpected_status', message: `the webhook answered ${exchange.status}` });
    } catch (error) {
      return failed({ webhook, delivered: false, ...networkFailure(error, signal, timeoutMs) });
    }
  },
});
