/** The catalog body served by GET /api/ops/incident-workflow. */
import { findStep, findWorkflow, listWorkflows } from '../../src/workflow';

const catalog = listWorkflows();

describe('workflow catalog', () => {
  it('offers the runbooks a VPS ops team needs', () => {
    expect(catalog.workflows.map((w) => w.id)).toEqual(
      expect.arrayContaining(['host-unreachable', 'disk-pressure', 'service-degraded', 'suspected-compromise']),
    );
    for (const workflow of catalog.workflows) {
      expect(workflow.title).not.toBe('');
      expect(workflow.description).not.toBe('');
      expect(workflow.steps.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('lists every step exactly once, API-safe ones apart from the ones done by hand', () => {
    const flags = Object.fromEntries(catalog.steps.map((s) => [s.key, s.apiSafe]));
    expect(flags).toEqual({
      'http-check': true, 'tcp-check': true, 'dns-lookup': true, 'webhook-notify': true, checklist: true,
      'reboot-host': false, 'restart-service': false, 'rollback-deploy': false,
    });
    expect(catalog.steps).toHaveLength(8);
  });

  it('builds each workflow step from its one definition: same safety and schema, its own words', () => {
    for (const workflow of catalog.workflows) {
      const keys = workflow.steps.map((s) => s.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const step of workflow.steps) {
        const definition = catalog.steps.find((s) => s.key === step.key);
        expect(definition).toBeDefined();
        expect(step.apiSafe).toBe(definition?.apiSafe);
        expect(step.inputSchema).toEqual(definition?.inputSchema);
        expect(step.title).not.toBe('');
      }
    }
  });

  it('publishes input schemas as JSON Schema: required fields, defaults optional, unknown fields refused', () => {
    const http = catalog.steps.find((s) => s.key === 'http-check')?.inputSchema;
    expect(http).toMatchObject({
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: { method: { enum: ['GET', 'HEAD'], default: 'GET' }, timeoutMs: { default: 5000, maximum: 30000 } },
    });
    const webhook = catalog.steps.find((s) => s.key === 'webhook-notify')?.inputSchema;
    expect(Object.keys((webhook as { properties: object }).properties)).not.toContain('url');
    expect(JSON.parse(JSON.stringify(catalog))).toEqual(catalog);
  });

  it('finds workflows and steps by id and key, and nothing for unknown ones', () => {
    expect(findWorkflow('disk-pressure')?.steps.map((s) => s.key)).toEqual(['http-check', 'checklist', 'restart-service', 'webhook-notify']);
    expect(findWorkflow('nope')).toBeUndefined();
    expect(findWorkflow('__proto__')).toBeUndefined();
    expect(findStep('tcp-check')?.apiSafe).toBe(true);
    expect(findStep('toString')).toBeUndefined();
  });
});
