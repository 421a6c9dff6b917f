import { exampleInput } from '../../src/console/workflow/stepInput';

const origin = 'http://127.0.0.1:3000';

describe('the starting input of a workflow step', () => {
  it('Given a URL the step needs, when its input is prefilled, then it points at the service health check', () => {
    const schema = {
      type: 'object',
      properties: { url: { type: 'string', format: 'uri' }, method: { type: 'string', enum: ['GET', 'HEAD'], default: 'GET' } },
      required: ['url'],
    };

    expect(exampleInput(schema, origin)).toEqual({ url: `${origin}/healthz`, method: 'GET' });
  });

  it('Given optional fields without defaults, when the input is prefilled, then they are left out so the input stays valid', () => {
    const schema = {
      type: 'object',
      properties: { item: { type: 'string' }, confirmed: { type: 'boolean' }, expectStatus: { type: 'integer', minimum: 100 } },
      required: ['item', 'confirmed'],
    };

    expect(exampleInput(schema, origin)).toEqual({ item: '', confirmed: false });
  });

  it('Given examples and nullable types, when the input is prefilled, then the first example and the non-null type are used', () => {
    const schema = {
      type: 'object',
      properties: { host: { type: 'string', examples: ['web-3'] }, port: { type: ['integer', 'null'], minimum: 1 } },
      required: ['host', 'port'],
    };

    expect(exampleInput(schema, origin)).toEqual({ host: 'web-3', port: 1 });
  });
});
