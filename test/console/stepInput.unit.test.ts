import { fieldsOf, inputOf, isNetworkStep, prefill, type PrefillContext } from '../../src/console/workflow/stepInput';

const origin = 'http://127.0.0.1:3000';
const onWeb3: PrefillContext = { hostId: 'web-3', incidentId: 'i-1', title: 'Disk full', severity: 'critical', stepTitle: 'Try the SSH port', origin };

// Shapes as the catalog serves them (z.toJSONSchema of the steps' zod input, io: input).
const httpCheck = {
  type: 'object',
  properties: {
    url: { type: 'string', format: 'uri', maxLength: 2048 },
    method: { type: 'string', enum: ['GET', 'HEAD'], default: 'GET' },
    expectStatus: { type: 'integer', minimum: 100, maximum: 599 },
    timeoutMs: { type: 'integer', default: 5000, minimum: 50, maximum: 30000 },
  },
  required: ['url'],
};
const tcpCheck = {
  type: 'object',
  properties: { host: { type: 'string' }, port: { type: 'integer', minimum: 1, maximum: 65535 }, timeoutMs: { type: 'integer', default: 5000 } },
  required: ['host', 'port'],
};
const checklist = {
  type: 'object',
  properties: { item: { type: 'string' }, confirmed: { type: 'boolean' }, comment: { type: 'string' } },
  required: ['item', 'confirmed', 'comment'],
};

describe('the input form of a workflow step', () => {
  it('Given a step schema, when it becomes fields, then each property is a field of its type, choice lists included', () => {
    const fields = fieldsOf(httpCheck);

    expect(fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ['url', 'url', true], ['method', 'choice', false], ['expectStatus', 'integer', false], ['timeoutMs', 'integer', false],
    ]);
    expect(fields[1]).toMatchObject({ choices: ['GET', 'HEAD'], defaultValue: 'GET' });
    expect(fields[0]!.label).toBe('URL');
  });

  it('Given an incident on web-3, when a network step is prefilled, then its target is that host and no port is invented', () => {
    expect(prefill(fieldsOf(tcpCheck), onWeb3)).toEqual({ host: 'web-3', port: '', timeoutMs: '' });
    expect(prefill(fieldsOf(httpCheck), onWeb3)).toMatchObject({ url: 'https://web-3/', method: 'GET' });
  });

  it('Given an incident without a host, when an HTTP check is prefilled, then it points at the service health check', () => {
    expect(prefill(fieldsOf(httpCheck), { ...onWeb3, hostId: null }).url).toBe(`${origin}/healthz`);
  });

  it('Given a checklist step, when it is prefilled, then the item is the workflow wording and the box starts unticked', () => {
    expect(prefill(fieldsOf(checklist), onWeb3)).toEqual({ item: 'Try the SSH port', confirmed: false, comment: '' });
  });

  it('Given filled fields, when the input is built, then numbers are numbers and blank optional fields are left to the defaults', () => {
    const fields = fieldsOf(tcpCheck);

    expect(inputOf(fields, { host: ' web-3 ', port: '22', timeoutMs: '' })).toEqual({ host: 'web-3', port: 22 });
  });

  it('Given a blank required field, when the input is built, then it is sent so the service names it', () => {
    expect(inputOf(fieldsOf(tcpCheck), { host: 'web-3', port: '', timeoutMs: '' })).toEqual({ host: 'web-3', port: '' });
  });

  it('Given the steps, when asked which reach the network, then the ones with a target do and the checklist does not', () => {
    expect(isNetworkStep(fieldsOf(httpCheck))).toBe(true);
    expect(isNetworkStep(fieldsOf(tcpCheck))).toBe(true);
    expect(isNetworkStep(fieldsOf(checklist))).toBe(false);
  });
});
