import { parseRoute, routeHref } from '../../src/console/router';

describe('the console URL', () => {
  it('Given the link a notification carries, when it is read, then it names the incident', () => {
    expect(parseRoute('#/incidents/0b6f3c2e-1d2a-4e5f-8a9b-0c1d2e3f4a5b')).toMatchObject({ view: 'incidents', incidentId: '0b6f3c2e-1d2a-4e5f-8a9b-0c1d2e3f4a5b' });
  });

  it('Given no fragment, or an unknown path, when it is read, then it is the incident list or that view', () => {
    expect(parseRoute('')).toMatchObject({ view: 'incidents', incidentId: null });
    expect(parseRoute('#/insights')).toMatchObject({ view: 'insights', incidentId: null });
  });

  it('Given filters, when a list link is made and read back, then the filters survive', () => {
    const href = routeHref({ view: 'incidents', incidentId: 'abc', query: { severity: 'critical', integration: 'prometheus' } });

    expect(href).toBe('#/incidents/abc?severity=critical&integration=prometheus');
    expect(Object.fromEntries(parseRoute(href).query)).toEqual({ severity: 'critical', integration: 'prometheus' });
  });
});
