/** `npm run token`: signs with the server's own secret, so the console link it prints signs a person in. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { Authenticator } from '../../src/http/auth';
import { developmentSecret } from '../../src/auth/tokens';

jest.setTimeout(60_000);

const root = path.join(__dirname, '..', '..');
const runToken = (args: string[], env: Record<string, string>) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/token.ts', ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' }).trim();

describe('the token command', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'incident-token-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('given --console, then it prints the console link with a 12-hour admin token the server accepts', async () => {
    const output = runToken(['--console'], { VPS_INCIDENT_DATA_DIR: dataDir, PORT: '3456' });
    const match = /^Ops console: http:\/\/127\.0\.0\.1:3456\/admin#token=(\S+)$/.exec(output);
    expect(match).not.toBeNull();
    const token = match![1]!;
    const claims = decodeJwt(token);
    expect([claims.role, claims.sub, claims.exp! - claims.iat!]).toEqual(['admin', 'local-admin', 12 * 3600]);
    const principal = await new Authenticator({ jwtSecret: developmentSecret(dataDir) }).verify(`Bearer ${token}`);
    expect(principal.role).toBe('admin');
  });

  it('given a role and subject, then it prints just the token', () => {
    const token = runToken(['--sub', 'alice', '--email', 'alice@example.com', '--role', 'ops'], { VPS_INCIDENT_DATA_DIR: dataDir });
    expect(decodeJwt(token)).toMatchObject({ sub: 'alice', email: 'alice@example.com', role: 'ops' });
  });
});
