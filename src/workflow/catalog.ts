/**
 * The runbooks an ops team follows for a VPS fleet. A step is defined once (steps/*) and a
 * workflow lists step keys in the order to work through them, each with words for this
 * situation; its schema and API-safety always come from the one definition.
 * A step appears at most once per workflow, because an incident shows the last run per key.
 */
import { z } from 'zod';
import type { StepDefinition } from './step';
import { checklist } from './steps/checklist';
import { dnsLookup } from './steps/dnsLookup';
import { httpCheck } from './steps/httpCheck';
import { tcpCheck } from './steps/tcpCheck';
import { rebootHost, restartService, rollbackDeploy } from './steps/unsafe';
import { webhookNotify } from './steps/webhookNotify';

type WorkflowSpec = Readonly<{
  id: string;
  title: string;
  description: string;
  steps: readonly Readonly<{ key: string; title: string; description: string }>[];
}>;

const stepDefinitions: readonly StepDefinition[] = [
  httpCheck, tcpCheck, dnsLookup, webhookNotify, checklist, rebootHost, restartService, rollbackDeploy,
];

const workflowSpecs: readonly WorkflowSpec[] = [
  {
    id: 'host-unreachable',
    title: 'Host unreachable',
    description: 'A host stopped answering. Tell apart DNS, network, a dead daemon and a hung machine before touching anything.',
    steps: [
      { key: 'dns-lookup', title: 'Check the host name still resolves', description: 'A changed or missing record looks exactly like an outage.' },
      { key: 'tcp-check', title: 'Try the SSH port', description: 'Port 22 (or the service port). Refused: the machine is up, the daemon is not. Timeout: network, firewall or the machine.' },
      { key: 'http-check', title: 'Try the public endpoint', description: 'Tells whether users are affected, and whether a proxy in front still answers.' },
      { key: 'checklist', title: 'Look at the provider console', description: 'Power state, console output, the provider status page. Record what you saw.' },
      { key: 'reboot-host', title: 'Reboot from the provider console', description: 'Only when the console shows a hung machine. Done by hand.' },
      { key: 'webhook-notify', title: 'Tell the on-call channel', description: 'What is down, since when, and what was found.' },
    ],
  },
  {
    id: 'disk-pressure',
    title: 'Disk pressure',
    description: 'A filesystem is nearly full. Free space without losing data, then find what filled it.',
    steps: [
      { key: 'http-check', title: 'Check the services still answer', description: 'A full disk breaks writes first: logins, uploads, databases.' },
      { key: 'checklist', title: 'Find and free space', description: 'df -h, then du -xh --max-depth=1 /. Rotate or compress logs, clear package caches, remove old releases; snapshot first if unsure.' },
      { key: 'restart-service', title: 'Restart the service holding deleted files', description: 'lsof +L1 lists deleted files still open; their space returns only when the holder restarts. Done by hand.' },
      { key: 'webhook-notify', title: 'Report the cleanup', description: 'How much was freed and what filled the disk.' },
    ],
  },
  {
    id: 'service-degraded',
    title: 'Service degraded',
    description: 'A service is slow or erroring. Find whether it is the service, what it depends on, or a recent change.',
    steps: [
      { key: 'http-check', title: 'Measure the endpoint', description: 'Status and latency of the health or main URL.' },
      { key: 'tcp-check', title: 'Check the backing service', description: 'The database, cache or queue port the service depends on.' },
      { key: 'dns-lookup', title: 'Check the service name resolves', description: 'Upstream names and the public name, against what they should be.' },
      { key: 'restart-service', title: 'Restart the service', description: 'When it is wedged (memory, stuck workers). Done by hand.' },
      { key: 'rollback-deploy', title: 'Roll back a recent deploy', description: 'When the trouble started with a release. Done by hand.' },
      { key: 'webhook-notify', title: 'Post a status update', description: 'Impact, suspected cause, next update time.' },
    ],
  },
  {
    id: 'suspected-compromise',
    title: 'Suspected compromise',
    description: 'Signs of intrusion: unknown processes, logins or outbound traffic. Contain, keep evidence, then restore.',
    steps: [
      { key: 'webhook-notify', title: 'Page the security contact', description: 'Before anything else, so evidence handling is decided together.' },
      { key: 'checklist', title: 'Isolate the host, keep the evidence', description: 'Restrict the firewall to admin addresses and take a disk snapshot. Do not reboot: memory evidence would be lost.' },
      { key: 'dns-lookup', title: 'Check DNS was not hijacked', description: 'Records for the affected names still point where they should.' },
      { key: 'http-check', title: 'Check the site for tampering', description: 'Look at the body excerpt for defacement or injected scripts.' },
      { key: 'rollback-deploy', title: 'Restore a known-good release', description: 'On a clean host, after the evidence is kept. Done by hand.' },
    ],
  },
  {
    id: 'deploy-regression',
    title: 'Deploy regression',
    description: 'Errors began with a release. Confirm, roll back, verify.',
    steps: [
      { key: 'http-check', title: 'Confirm the regression', description: 'The failing URL, with the status it should return.' },
      { key: 'rollback-deploy', title: 'Roll back', description: 'To the previous known-good release. Done by hand.' },
      { key: 'checklist', title: 'Confirm the rollback fixed it', description: 'Re-run the HTTP check and watch error rates for ten minutes.' },
      { key: 'webhook-notify', title: 'Tell the release owner', description: 'Which release, what broke, that it is rolled back.' },
    ],
  },
];

export type StepView = Readonly<{ key: string; title: string; description: string; apiSafe: boolean; inputSchema: Record<string, unknown> }>;
export type WorkflowView = Readonly<{ id: string; title: string; description: string; steps: readonly StepView[] }>;
/** The body of GET /api/ops/incident-workflow. */
export type WorkflowCatalog = Readonly<{ workflows: readonly WorkflowView[]; steps: readonly StepView[] }>;

const stepsByKey = new Map(stepDefinitions.map((step) => [step.key, step]));

function viewOf(step: StepDefinition): StepView {
  // `input` mode: a field with a default is optional for the caller.
  const inputSchema = z.toJSONSchema(step.input, { io: 'input' }) as Record<string, unknown>;
  return { key: step.key, title: step.title, description: step.description, apiSafe: step.apiSafe, inputSchema };
}

const stepViews = new Map(stepDefinitions.map((step) => [step.key, viewOf(step)]));

function workflowView(spec: WorkflowSpec): WorkflowView {
  const seen = new Set<string>();
  const steps = spec.steps.map(({ key, title, description }) => {
    const view = stepViews.get(key);
    if (!view) throw new Error(`workflow ${spec.id} names unknown step ${key}`);
    if (seen.has(key)) throw new Error(`workflow ${spec.id} lists step ${key} twice`);
    seen.add(key);
    return { ...view, title, description };
  });
  return { id: spec.id, title: spec.title, description: spec.description, steps };
}

const workflowViews = new Map(workflowSpecs.map((spec) => [spec.id, workflowView(spec)]));
const catalog: WorkflowCatalog = { workflows: [...workflowViews.values()], steps: [...stepViews.values()] };

export function listWorkflows(): WorkflowCatalog {
  return catalog;
}

export function findWorkflow(id: string): WorkflowView | undefined {
  return workflowViews.get(id);
}

export function findStep(key: string): StepDefinition | undefined {
  return stepsByKey.get(key);
}
