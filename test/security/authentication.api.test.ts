/**
 * Findings 7 and 8: issuer, audience and lifetime of bearer tokens; failed authentications limited per
 * client address (429 rate_limited with Retry-After) while valid credentials always pass.
 */
import { SignJWT } from 'jose';
import request from 'supertest';
import { signToken } from '../../src/auth/tokens';
import { Authenticator } from '../../src/http/auth';
import { ConfigError, loadConfig } from '../../src/config/config';
import { expectProblem } from '../http/api';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/server';

// The machine is shared: starting a service can take a while under load.
jest.setTimeout(120_000);

const nowSeconds = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown>, lifetimeSeconds: number, issuedAt = nowSeconds()): Promise<string> {
  return new SignJWT({ role: 'ops', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('alice')
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetimeSeconds)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

const HOUR = 3600;

describe('bearer token lifetime, issuer and audience', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { VPS_INCIDENT_JWT_ISSUER: 'https://idp.example.com', VPS_INCIDENT_JWT_AUDIENCE: 'incident-engine', VPS_INCIDENT_AUTH_FAILURES_PER_MINUTE: '1000' },
    });
  });
  afterAll(() => server.close());

  const list = (bearer: string) => request(server.baseUrl).get('/api/ops/incidents').set('Authorization', `Bearer ${bearer}`);
  const scoped = { iss: 'https://idp.example.com', aud: 'incident-engine' };

  it('given the configured issuer and audience and a 24 h lifetime, then the token is accepted', async () => {
    expect((await list(await token(scoped, 24 * HOUR))).status).toBe(200);
  });

  it.each([
    ['no issuer', { aud: 'incident-engine' }],
    ['another issuer', { iss: 'https://evil.example.com', aud: 'incident-engine' }],
    ['no audience', { iss: 'https://idp.example.com' }],
    ['another audience', { iss: 'https://idp.example.com', aud: 'another-service' }],
  ])('given a token with %s, then it is 401', async (_why, claims) => {
    expectProblem(await list(await token(claims, HOUR)), 401, 'unauthorized');
  });

  it('given a token meant to live 25 h (even one issued long ago and expiring soon), then it is 401', async () => {
    expectProblem(await list(await token(scoped, 25 * HOUR)), 401, 'unauthorized');
    expectProblem(await list(await token(scoped, 25 * HOUR, nowSeconds() - 24 * HOUR)), 401, 'unauthorized');
  });

  it('given the token CLI and start-up signer with the configured scope, then what they mint is accepted', async () => {
    const minted = await signToken(TEST_SECRET, { sub: 'local-admin', role: 'admin' }, '12h', { issuer: 'https://idp.example.com', audience: 'incident-engine' });
    expect((await list(minted)).status).toBe(200);
  });
});

describe('the default maximum lifetime', () => {
  it('given no setting, when a 30-day token (the old start-up token) is verified, then it is refused; 12 h passes', async () => {
    const authenticator = new Authenticator({ jwtSecret: TEST_SECRET });
    await expect(authenticator.verify(`Bearer ${await signToken(TEST_SECRET, { sub: 'a', role: 'admin' }, '30d')}`)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(authenticator.verify(`Bearer ${await signToken(TEST_SECRET, { sub: 'a', role: 'admin' }, '12h')}`)).resolves.toMatchObject({ userId: 'a' });
  });

  it('given a verified token kept in the cache, when it expires, then it is refused', async () => {
    const authenticator = new Authenticator({ jwtSecret: TEST_SECRET });
    const shortLived = `Bearer ${await signToken(TEST_SECRET, { sub: 'a', role: 'ops' }, '1s')}`;
    await expect(authenticator.verify(shortLived)).resolves.toMatchObject({ userId: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expect(authenticator.verify(shortLived)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('failed authentications from one address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { VPS_INCIDENT_AUTH_FAILURES_PER_MINUTE: '5', VPS_INCIDENT_ESCALATE_TOKEN: 'escalate-secret' } });
  });
  afterAll(() => server.close());

  it('given 5 forged tokens, then the 6th failure is 429 rate_limited with Retry-After, and a valid token still passes', async () => {
    const forged = `${await server.token('admin')}x`;
    for (let i = 0; i < 5; i++) {
      expectProblem(await request(server.baseUrl).get('/api/ops/incidents').set('Authorization', `Bearer ${forged}`), 401, 'unauthorized');
    }

    const limited = await request(server.baseUrl).get('/api/ops/incidents').set('Authorization', `Bearer ${forged}`);
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);

    const wrongEscalation = await request(server.baseUrl).post('/api/ops/incidents/escalate').set('x-incident-escalate-token', 'guess');
    expectProblem(wrongEscalation, 429, 'rate_limited');

    expect((await request(server.baseUrl).get('/api/ops/incidents').set('Authorization', `Bearer ${await server.token('ops')}`)).status).toBe(200);
    expect((await request(server.baseUrl).post('/api/ops/incidents/escalate').set('x-incident-escalate-token', 'escalate-secret')).status).toBe(200);
  });

  it('given no token at all, then it stays 401: a missing credential is not a guess', async () => {
    expectProblem(await request(server.baseUrl).get('/api/ops/audit'), 401, 'unauthorized');
  });
});

describe('the escalation token in production', () => {
  const production = { NODE_ENV: 'production', VPS_INCIDENT_JWT_SECRET: TEST_SECRET };

  it('given one under 32 characters, then start-up is refused naming the variable', () => {
    expect(() => loadConfig({ ...production, VPS_INCIDENT_ESCALATE_TOKEN: 'short-token' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...production, VPS_INCIDENT_ESCALATE_TOKEN: 'short-token' })).toThrow(/^VPS_INCIDENT_ESCALATE_TOKEN must be at least 32 characters/);
  });

  it('given one of 32 characters, or none, then start-up proceeds', () => {
    expect(loadConfig({ ...production, VPS_INCIDENT_ESCALATE_TOKEN: 'x'.repeat(32) }).escalateToken).toBe('x'.repeat(32));
    expect(loadConfig(production).escalateToken).toBeUndefined();
  });
});
