/**
 * Finding an integration by its secret. Tokens are compared in constant time over SHA-256 digests (so neither the
 * content nor the length leaks), and every configured token is compared whatever matched, so the answer's timing
 * says nothing about which integration, if any, a guess was close to. Tokens are never logged or returned.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IntegrationConfig } from '../config/configFile';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export class IntegrationTokens {
  private readonly entries: readonly Readonly<{ integration: IntegrationConfig; digest: Buffer }>[];

  constructor(integrations: readonly IntegrationConfig[]) {
    this.entries = integrations.map((integration) => ({ integration, digest: digest(integration.token) }));
  }

  /** The alertmanager integration `name` if `bearer` is its token; undefined for an unknown name, another kind or a wrong token alike. */
  alertmanager(name: string, bearer: string | undefined): IntegrationConfig | undefined {
    const sent = digest(bearer ?? '');
    let found: IntegrationConfig | undefined;
    for (const { integration, digest: expected } of this.entries) {
      const matches = timingSafeEqual(sent, expected);
      if (matches && bearer !== undefined && integration.name === name && integration.kind === 'alertmanager') found = integration;
    }
    return found;
  }

  /** The events-v2 integration whose routing key this is. */
  eventsV2(routingKey: string): IntegrationConfig | undefined {
    const sent = digest(routingKey);
    let found: IntegrationConfig | undefined;
    for (const { integration, digest: expected } of this.entries) {
      if (timingSafeEqual(sent, expected) && integration.kind === 'events-v2') found = integration;
    }
    return found;
  }
}
