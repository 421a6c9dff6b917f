/**
 * The `signing_keys` table: every instance's public key, current and retired, served as the JWKS and used to
 * verify. Each instance registers its own key at start-up; rotating a key (a new VPS_INCIDENT_SIGNING_KEY_FILE)
 * leaves the old row in place, so the events it signed stay verifiable.
 */
import type { Pool } from 'pg';
import { KeySet } from './keySet';
import type { PublicJwk } from './signingKey';

/** How often a verifier that met an unknown kid may look again (another instance may have just started). */
const REFRESH_AFTER_MISS_MS = 1_000;

export class SigningKeyRegistry {
  private cached: { keys: KeySet; at: number } | undefined;

  constructor(private readonly pool: Pick<Pool, 'query'>) {}

  async register(jwk: PublicJwk): Promise<void> {
    await this.pool.query(
      `INSERT INTO signing_keys (kid, jwk) VALUES ($1, $2)
       ON CONFLICT (kid) DO UPDATE SET last_started_at = now()`,
      [jwk.kid, JSON.stringify(jwk)],
    );
    this.cached = undefined;
  }

  /** Every registered key, the most recently started first. */
  async keySet(): Promise<KeySet> {
    const rows = await this.pool.query<{ jwk: unknown }>(`SELECT jwk FROM signing_keys ORDER BY last_started_at DESC, kid`);
    const keys = new KeySet(rows.rows.map((row) => row.jwk));
    this.cached = { keys, at: Date.now() };
    return keys;
  }

  /** The keys as last read, read again when `kid` is missing from them and the last read is not too recent. */
  async keySetKnowing(kid: string | undefined): Promise<KeySet> {
    const cached = this.cached;
    if (cached !== undefined && (cached.keys.has(kid) || Date.now() - cached.at < REFRESH_AFTER_MISS_MS)) return cached.keys;
    return this.keySet();
  }
}
